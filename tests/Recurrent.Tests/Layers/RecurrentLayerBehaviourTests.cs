using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Forward semantics of the recurrent layers against Keras' definitions.</summary>
public class RecurrentLayerBehaviourTests
{
    private const int Batch = 2, Steps = 5, Features = 3, Units = 4;

    private static Tensor<double> RandomInput(int seed, int batch = Batch, int steps = Steps)
    {
        var random = new Random(seed);
        var x = Tensor<double>.Zeros(batch, steps, Features);
        for (int i = 0; i < x.Length; i++) x.Span[i] = 4 * random.NextDouble() - 2;
        return x;
    }

    private static RecurrentLayer<double> NewLayer(string kind, string activation, string recurrentActivation,
        bool returnSequences = true, bool goBackwards = false, int seed = 1) => kind switch
    {
        "simple_rnn" => new SimpleRnn<double>(Units, activation, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, seed: seed),
        "lstm" => new Lstm<double>(Units, activation, recurrentActivation, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, seed: seed),
        "gru" => new Gru<double>(Units, activation, recurrentActivation, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, seed: seed),
        _ => new Gru<double>(Units, activation, recurrentActivation, resetAfter: false, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, seed: seed),
    };

    private static void RandomizeBias(RecurrentLayer<double> layer)
    {
        var random = new Random(99);
        Span<double> bias = layer.Cell.Bias!.Value.Span;
        for (int i = 0; i < bias.Length; i++) bias[i] = random.NextDouble() - 0.5;
    }

    [Theory]
    [InlineData("simple_rnn", "tanh", "sigmoid")]
    [InlineData("simple_rnn", "relu", "sigmoid")]
    [InlineData("lstm", "tanh", "sigmoid")]
    [InlineData("lstm", "softsign", "hard_sigmoid")]
    [InlineData("lstm", "tanh", "hard_sigmoid_legacy")]
    [InlineData("gru", "tanh", "sigmoid")]
    [InlineData("gru", "tanh", "hard_sigmoid")]
    [InlineData("gru_reset_before", "tanh", "hard_sigmoid_legacy")]
    [InlineData("gru_reset_before", "relu", "sigmoid")]
    public void Forward_matches_the_keras_equations_step_by_step(string kind, string activation, string recurrentActivation)
    {
        RecurrentLayer<double> layer = NewLayer(kind, activation, recurrentActivation);
        Tensor<double> x = RandomInput(1);
        layer.Build(Features);
        RandomizeBias(layer);

        RecurrentOutput<double> result = layer.ForwardSequence(x);

        double[] kernel = layer.Cell.Kernel.Value.Data, recurrent = layer.Cell.RecurrentKernel.Value.Data, bias = layer.Cell.Bias!.Value.Data;
        for (int b = 0; b < Batch; b++)
        {
            double[] h = new double[Units], c = new double[Units];
            for (int t = 0; t < Steps; t++)
            {
                double[] input = x.Data.AsSpan((b * Steps + t) * Features, Features).ToArray();
                h = ReferenceCell.Step(kind, input, h, c, kernel, recurrent, bias, activation, recurrentActivation);
                for (int j = 0; j < Units; j++)
                    Assert.Equal(h[j], result.Output[b, t, j], 12);
            }
            for (int j = 0; j < Units; j++)
            {
                Assert.Equal(h[j], result.States[0][b, j], 12);
                if (kind == "lstm") Assert.Equal(c[j], result.States[1][b, j], 12);
            }
        }
    }

    [Theory]
    [InlineData("simple_rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("gru_reset_before")]
    public void Go_backwards_equals_running_forwards_on_the_reversed_input(string kind)
    {
        Tensor<double> x = RandomInput(2);
        var reversed = Tensor<double>.Zeros(Batch, Steps, Features);
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++)
                for (int f = 0; f < Features; f++)
                    reversed[b, t, f] = x[b, Steps - 1 - t, f];
        RecurrentLayer<double> backwards = NewLayer(kind, "tanh", "sigmoid", goBackwards: true, seed: 5);
        RecurrentLayer<double> forwards = NewLayer(kind, "tanh", "sigmoid", seed: 5);

        RecurrentOutput<double> expected = forwards.ForwardSequence(reversed);
        RecurrentOutput<double> actual = backwards.ForwardSequence(x);

        Assert.Equal(expected.Output.Data, actual.Output.Data);
        Assert.Equal(expected.States[0].Data, actual.States[0].Data);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru_reset_before")]
    public void Masked_steps_carry_the_state_and_repeat_the_previous_output(string kind)
    {
        Tensor<double> x = RandomInput(3);
        // Row 0: steps 0, 1 real, then padding. Row 1: padding first, real at 2 and 4.
        var mask = new bool[,] { { true, true, false, false, false }, { false, false, true, false, true } };
        RecurrentLayer<double> layer = NewLayer(kind, "tanh", "sigmoid", seed: 7);
        RecurrentOutput<double> masked = layer.ForwardSequence(x, mask: mask);

        // Row 0 equals running the two real steps alone.
        var prefix = Tensor<double>.FromValues(x.Data.AsSpan(0, 2 * Features), 1, 2, Features);
        RecurrentOutput<double> alone = layer.ForwardSequence(prefix);
        for (int j = 0; j < Units; j++)
        {
            Assert.Equal(alone.Output[0, 1, j], masked.Output[0, 1, j], 14);
            Assert.Equal(alone.Output[0, 1, j], masked.Output[0, 4, j], 14);   // repeated at padded steps
            Assert.Equal(alone.States[0][0, j], masked.States[0][0, j], 14);   // final state = last real step's
            // Row 1: zero output before the first real step, and step 3 repeats step 2.
            Assert.Equal(0.0, masked.Output[1, 0, j]);
            Assert.Equal(0.0, masked.Output[1, 1, j]);
            Assert.Equal(masked.Output[1, 2, j], masked.Output[1, 3, j]);
        }
    }

    [Fact]
    public void Bidirectional_returning_sequences_outputs_zeros_at_masked_steps()
    {
        var mask = new bool[,] { { true, true, true, false, false }, { true, true, true, true, true } };
        var layer = new Bidirectional<double>(new Gru<double>(Units, returnSequences: true, seed: 3));

        Tensor<double> y = layer.Forward(RandomInput(4), false);
        Tensor<double> masked = layer.ForwardSequence(RandomInput(4), mask: mask).Output;

        Assert.Equal([Batch, Steps, 2 * Units], y.Shape.ToArray());
        for (int j = 0; j < 2 * Units; j++)
        {
            Assert.Equal(0.0, masked[0, 3, j]);
            Assert.Equal(0.0, masked[0, 4, j]);
            Assert.NotEqual(0.0, masked[0, 2, j]);
        }
    }

    [Theory]
    [InlineData(MergeMode.Concat)]
    [InlineData(MergeMode.Sum)]
    [InlineData(MergeMode.Mul)]
    [InlineData(MergeMode.Ave)]
    public void Bidirectional_merges_the_forward_output_with_the_time_aligned_backward_output(MergeMode mode)
    {
        Tensor<double> x = RandomInput(5);
        var forward = new Lstm<double>(Units, returnSequences: true, seed: 11);
        var bidirectional = new Bidirectional<double>(forward, mode);
        Tensor<double> merged = bidirectional.Forward(x);
        Tensor<double> f = bidirectional.ForwardLayer.Forward(x), b = bidirectional.BackwardLayer.Forward(x);

        for (int n = 0; n < Batch; n++)
            for (int t = 0; t < Steps; t++)
                for (int j = 0; j < Units; j++)
                {
                    double fv = f[n, t, j], bv = b[n, Steps - 1 - t, j];
                    switch (mode)
                    {
                        case MergeMode.Concat:
                            Assert.Equal(fv, merged[n, t, j]);
                            Assert.Equal(bv, merged[n, t, Units + j]);
                            break;
                        case MergeMode.Sum: Assert.Equal(fv + bv, merged[n, t, j]); break;
                        case MergeMode.Mul: Assert.Equal(fv * bv, merged[n, t, j]); break;
                        default: Assert.Equal((fv + bv) / 2, merged[n, t, j], 15); break;
                    }
                }
    }

    [Fact]
    public void Bidirectional_returns_forward_then_backward_states_and_two_outputs_without_merge()
    {
        var layer = new Bidirectional<double>(new Lstm<double>(Units, returnState: true, seed: 2), MergeMode.None);
        RecurrentOutput<double> result = layer.ForwardSequence(RandomInput(6));

        Assert.Equal(2, result.Outputs.Count);
        Assert.Equal(4, result.States.Count);
        Assert.Equal(result.Outputs[0].Data, result.States[0].Data);   // forward h
        Assert.Equal(result.Outputs[1].Data, result.States[2].Data);   // backward h
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_outputs()
    {
        var a = new Gru<float>(8, seed: 42);
        var b = new Gru<float>(8, seed: 42);
        var x = RandomInput(7).Cast<float>();

        Assert.Equal(a.Forward(x).Data, b.Forward(x).Data);
        Assert.Equal(a.GetWeights().SelectMany(w => w.Data), b.GetWeights().SelectMany(w => w.Data));
    }

    [Theory]
    [InlineData("simple_rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("gru_reset_before")]
    public void Forward_into_a_reused_result_allocates_nothing_and_gives_the_same_numbers(string kind)
    {
        RecurrentLayer<double> layer = NewLayer(kind, "tanh", "sigmoid");
        Tensor<double> x = RandomInput(9);
        RecurrentOutput<double> fresh = layer.ForwardSequence(x);
        double[] expected = fresh.Output.Data.ToArray();
        RecurrentOutput<double> reused = layer.ForwardSequence(x, reuse: fresh);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) reused = layer.ForwardSequence(x, reuse: reused);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(fresh, reused);
        Assert.Equal(expected, reused.Output.Data);
        Assert.Equal(0, allocated);
    }
}
