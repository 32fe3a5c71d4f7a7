using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Tests.Models;

/// <summary>
/// One loaded model serves <see cref="Model{T}.Predict"/> from many threads at once: every concurrent result is
/// bit-identical to the serial one. (The 16-thread, 10-second version runs in the acceptance step.)
/// </summary>
[Collection("GemmTests")]   // not alongside the tests that change the GEMM thread count
public class ConcurrentPredictTests
{
    public static TheoryData<string> Models => new(["classifier", "bidirectional_tagger", "stacked_gru"]);

    internal static (Sequential<float> Model, Tensor<float> Input) Case(string name)
    {
        var random = new Random(11);
        switch (name)
        {
            case "classifier":
            {
                var model = new Sequential<float>([new Embedding<float>(30, 8, maskZero: true), new Lstm<float>(16), new Dropout<float>(0.5),
                    new Dense<float>(3, "softmax")], [12], seed: 3);
                var ids = Tensor<float>.Zeros(40, 12);
                for (int i = 0; i < ids.Length; i++) ids.Span[i] = i % 12 < 3 ? 0 : random.Next(1, 30);
                return (model, ids);
            }
            case "bidirectional_tagger":
            {
                var model = new Sequential<float>([new Bidirectional<float>(new Gru<float>(12, returnSequences: true)),
                    new TimeDistributed<float>(new Dense<float>(4))], [9, 5], seed: 4);
                return (model, Random(random, 40, 9, 5));
            }
            default:
            {
                var model = new Sequential<float>([new Gru<float>(96, returnSequences: true), new SimpleRnn<float>(64), new Dense<float>(1)], [20, 7], seed: 5);
                return (model, Random(random, 70, 20, 7));
            }
        }
    }

    private static Tensor<float> Random(Random random, params int[] shape)
    {
        var x = Tensor<float>.Zeros(shape);
        for (int i = 0; i < x.Length; i++) x.Span[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Runs <paramref name="threads"/> threads calling Predict for <paramref name="duration"/>; returns the number of calls.</summary>
    internal static int PredictConcurrently(Sequential<float> model, Tensor<float> x, int threads, TimeSpan duration)
    {
        float[] expected = model.Predict(x, batchSize: 16).Span.ToArray();
        int calls = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        DateTime end = DateTime.UtcNow + duration;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                while (DateTime.UtcNow < end && failures.IsEmpty)
                {
                    float[] actual = model.Predict(x, batchSize: 16).Span.ToArray();
                    Interlocked.Increment(ref calls);
                    int differs = Enumerable.Range(0, actual.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]), -1);
                    if (differs >= 0) failures.Enqueue($"thread {t}: output[{differs}] = {actual[differs]}, serial {expected[differs]}");
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"thread {t}: {e}");
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        return calls;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Concurrent_predictions_are_bit_identical_to_serial_ones(string name)
    {
        var (model, x) = Case(name);
        int calls = PredictConcurrently(model, x, threads: 8, TimeSpan.FromSeconds(1));
        Assert.True(calls >= 8, $"only {calls} calls finished");
    }

    [Fact]
    public void Replicas_share_the_weights_so_they_see_later_training()
    {
        var (model, x) = Case("stacked_gru");
        PredictConcurrently(model, x, threads: 4, TimeSpan.FromMilliseconds(300));   // replicas exist now
        model.Compile("adam", "mse");
        var y = Tensor<float>.Zeros(x.Dim(0), 1);
        model.Fit(x, y, epochs: 2, verbose: 0);
        PredictConcurrently(model, x, threads: 4, TimeSpan.FromMilliseconds(300));   // compares with the trained model's serial result
    }
}
