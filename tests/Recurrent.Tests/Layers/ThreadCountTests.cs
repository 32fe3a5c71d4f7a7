using Recurrent.Kernels;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>
/// A step large enough to split its element-wise work over threads (batch rows per thread) must give the same bits
/// as one thread: forward, backward, with masks and recurrent dropout, for every cell form.
/// </summary>
public class ThreadCountTests
{
    // 50 rows × 170 units is above the row-split threshold even for SimpleRNN; 50 rows split unevenly over 3 threads,
    // and 170 units leave a ragged SIMD tail.
    private const int Batch = 50, Steps = 4, Features = 7, Units = 170;

    private static RecurrentLayer<float> NewLayer(string kind, double recurrentDropout) => kind switch
    {
        "simple_rnn" => new SimpleRnn<float>(Units, returnSequences: true, recurrentDropout: recurrentDropout, seed: 3),
        "lstm" => new Lstm<float>(Units, returnSequences: true, recurrentDropout: recurrentDropout, seed: 3),
        "gru" => new Gru<float>(Units, returnSequences: true, recurrentDropout: recurrentDropout, seed: 3),
        _ => new Gru<float>(Units, resetAfter: false, returnSequences: true, recurrentDropout: recurrentDropout, seed: 3),
    };

    private static float[][] Run(string kind, double recurrentDropout, int threads)
    {
        int saved = Gemm.MaxDegreeOfParallelism;
        Gemm.MaxDegreeOfParallelism = threads;
        try
        {
            var random = new Random(6);
            var x = Tensor<float>.Zeros(Batch, Steps, Features);
            var outputGradient = Tensor<float>.Zeros(Batch, Steps, Units);
            for (int i = 0; i < x.Length; i++) x.Span[i] = (float)(2 * random.NextDouble() - 1);
            for (int i = 0; i < outputGradient.Length; i++) outputGradient.Span[i] = (float)(2 * random.NextDouble() - 1);
            var mask = new bool[Batch, Steps];
            for (int b = 0; b < Batch; b++)
                for (int t = 0; t < Steps; t++) mask[b, t] = t < Steps - b % 3;

            RecurrentLayer<float> layer = NewLayer(kind, recurrentDropout);
            layer.Build(Features);
            float[] output = layer.ForwardSequence(x, mask: mask, training: true).Output.Data.ToArray();
            RecurrentGradients<float> gradients = layer.BackwardSequence(outputGradient);
            return [output, gradients.Input.Data.ToArray(), .. layer.Parameters.Select(p => p.Gradient.Data.ToArray())];
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Theory]
    [InlineData("simple_rnn", 0.0)]
    [InlineData("lstm", 0.0)]
    [InlineData("lstm", 0.3)]
    [InlineData("gru", 0.0)]
    [InlineData("gru", 0.3)]
    [InlineData("gru_reset_before", 0.0)]
    [InlineData("gru_reset_before", 0.3)]
    public void Outputs_and_gradients_are_bit_identical_with_one_two_and_three_threads(string kind, double recurrentDropout)
    {
        float[][] one = Run(kind, recurrentDropout, 1);
        foreach (int threads in new[] { 2, 3 })
        {
            float[][] many = Run(kind, recurrentDropout, threads);
            for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], many[i]);
        }
    }
}
