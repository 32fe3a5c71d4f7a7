using Recurrent.Callbacks;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Models;

/// <summary>
/// Once the shapes repeat, a training step allocates no managed memory: batches, layer results, gradients, dropout
/// masks and optimizer state all live in reused buffers. Counted on the calling thread, exactly.
/// </summary>
public class TrainingAllocationTests
{
    private static RecurrentLayer<float> Recurrent(string kind, bool returnSequences = false, double dropout = 0) => kind switch
    {
        "simple_rnn" => new SimpleRnn<float>(8, returnSequences: returnSequences, dropout: dropout, recurrentDropout: dropout),
        "lstm" => new Lstm<float>(8, returnSequences: returnSequences, dropout: dropout, recurrentDropout: dropout),
        _ => new Gru<float>(8, returnSequences: returnSequences, dropout: dropout, recurrentDropout: dropout),
    };

    private static Tensor<float> Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var tensor = Tensor<float>.Zeros(shape);
        for (int i = 0; i < tensor.Length; i++) tensor.Span[i] = (float)(2 * random.NextDouble() - 1);
        return tensor;
    }

    // Three warm-up steps, then five counted ones on x [4, 6, 5] and y [4, 1].
    private static void AssertTrainOnBatchAllocatesNothing(Sequential<float> model, int seed)
    {
        Tensor<float> x = Random(seed, 4, 6, 5), y = Random(seed + 1, 4, 1);
        for (int i = 0; i < 3; i++) model.TrainOnBatch(x, y);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) model.TrainOnBatch(x, y);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("simple_rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Train_on_batch_allocates_nothing_after_warm_up(string kind)
    {
        var model = new Sequential<float>([Recurrent(kind), new Dense<float>(1)], inputShape: [6, 5], seed: 1);
        model.Compile(new Adam(0.001), Loss.MeanSquaredError);
        AssertTrainOnBatchAllocatesNothing(model, 1);
    }

    [Fact]
    public void Stacked_layers_with_dropout_train_on_batch_without_allocating_after_warm_up()
    {
        var model = new Sequential<float>([Recurrent("lstm", returnSequences: true, dropout: 0.2), Recurrent("gru", dropout: 0.2),
            new Dense<float>(3, "tanh"), new Dense<float>(1)], inputShape: [6, 5], seed: 2);
        model.Compile(new Adam(0.001, clipNorm: 1), Loss.MeanSquaredError);
        AssertTrainOnBatchAllocatesNothing(model, 3);
    }

    [Fact]
    public void Fit_allocates_nothing_from_one_shuffled_batch_to_the_next_after_the_first_epoch()
    {
        var model = new Sequential<float>([Recurrent("lstm"), new Dense<float>(1)], inputShape: [6, 5], seed: 3);
        model.Compile(new Adam(0.001), Loss.MeanSquaredError);
        // 20 samples in batches of 8: two full batches and a smaller last one, reshuffled every epoch.
        var recorder = new BatchAllocations(epochs: 3, batches: 3);
        model.Fit(Random(5, 20, 6, 5), Random(6, 20, 1), epochs: 3, batchSize: 8, callbacks: [recorder], verbose: 0);

        for (int epoch = 1; epoch < 3; epoch++)
            for (int batch = 1; batch < 3; batch++)
                Assert.Equal(0, recorder.Bytes[epoch, batch] - recorder.Bytes[epoch, batch - 1]);
    }

    // The thread's allocation counter at the end of every batch, in an array made before training starts.
    private sealed class BatchAllocations(int epochs, int batches) : Callback
    {
        private int _epoch;

        public long[,] Bytes { get; } = new long[epochs, batches];

        public override void OnEpochBegin(ITrainingContext context, int epoch) => _epoch = epoch;

        public override void OnBatchEnd(ITrainingContext context, int batch, IReadOnlyDictionary<string, double> logs) =>
            Bytes[_epoch, batch] = GC.GetAllocatedBytesForCurrentThread();
    }
}
