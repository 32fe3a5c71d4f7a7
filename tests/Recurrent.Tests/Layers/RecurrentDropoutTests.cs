using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>dropout / recurrent_dropout on the recurrent layers (Keras 3.8+ semantics).</summary>
public class RecurrentDropoutTests
{
    private const int Batch = 3, Steps = 4, Features = 3, Units = 4;

    private static RecurrentLayer<double> NewLayer(string kind, double dropout, double recurrentDropout) => kind switch
    {
        "simple_rnn" => new SimpleRnn<double>(Units, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 3),
        "lstm" => new Lstm<double>(Units, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 3),
        "gru" => new Gru<double>(Units, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 3),
        _ => new Gru<double>(Units, resetAfter: false, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 3),
    };

    private static Tensor<double> Input()
    {
        var random = new Random(4);
        var x = Tensor<double>.Zeros(Batch, Steps, Features);
        for (int i = 0; i < x.Length; i++) x.Span[i] = 2 * random.NextDouble() - 1;
        return x;
    }

    [Theory]
    [InlineData("simple_rnn", 0.3, 0.0)]
    [InlineData("simple_rnn", 0.3, 0.4)]
    [InlineData("lstm", 0.3, 0.0)]
    [InlineData("lstm", 0.3, 0.4)]
    [InlineData("gru", 0.0, 0.4)]
    [InlineData("gru", 0.3, 0.4)]
    [InlineData("gru_reset_before", 0.3, 0.4)]
    public void Training_with_dropout_masks_matches_finite_differences(string kind, double dropout, double recurrentDropout)
    {
        // A fresh layer with the same seed draws the same masks, so every evaluation sees the same dropped units.
        RecurrentLayer<double> reference = NewLayer(kind, dropout, recurrentDropout);
        Tensor<double> x = Input();
        reference.Build(Features);
        var random = new Random(5);
        foreach (Parameter<double> p in reference.Parameters)
            for (int i = 0; i < p.Value.Length; i++) p.Value.Span[i] = 1.6 * random.NextDouble() - 0.8;
        var outputWeights = Tensor<double>.Zeros(Batch, Steps, Units);
        for (int i = 0; i < outputWeights.Length; i++) outputWeights.Span[i] = 2 * random.NextDouble() - 1;

        RecurrentLayer<double> Fresh()
        {
            RecurrentLayer<double> layer = NewLayer(kind, dropout, recurrentDropout);
            layer.Build(Features);
            layer.SetWeights(reference.Parameters.Select(p => p.Value).ToArray());
            return layer;
        }
        double Loss() => Fresh().ForwardSequence(x, training: true).Output.Data.Zip(outputWeights.Data, (a, b) => a * b).Sum();

        RecurrentLayer<double> analytic = Fresh();
        analytic.ForwardSequence(x, training: true);
        RecurrentGradients<double> gradients = analytic.BackwardSequence(outputWeights);
        var checks = FiniteDifferences.ParameterChecks(analytic.Parameters)
            .Select((c, i) => (c.Name, reference.Parameters[i].Value, c.Analytic)).ToList();
        checks.Add(("input", x, gradients.Input.Data.ToArray()));
        FiniteDifferences.AssertMatches(Loss, checks);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Dropout_changes_training_only(string kind)
    {
        Tensor<double> x = Input();
        RecurrentLayer<double> plain = NewLayer(kind, 0, 0), dropped = NewLayer(kind, 0.5, 0.5);
        Tensor<double> inference = plain.ForwardSequence(x).Output;
        Assert.Equal(inference.Data, dropped.ForwardSequence(x).Output.Data);
        Assert.NotEqual(inference.Data, dropped.ForwardSequence(x, training: true).Output.Data);
    }

    [Fact]
    public void Stateful_layer_carries_its_states_until_reset()
    {
        var x = Input();
        var whole = new Lstm<double>(Units, returnSequences: true, seed: 8);
        var streaming = new Lstm<double>(Units, returnSequences: true, stateful: true, seed: 8);
        Tensor<double> expected = whole.Forward(x);

        // Feeding the sequence in two chunks gives the same outputs as feeding it whole.
        var first = Tensor<double>.Zeros(Batch, 2, Features);
        var second = Tensor<double>.Zeros(Batch, 2, Features);
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++)
                for (int f = 0; f < Features; f++)
                    (t < 2 ? first : second)[b, t % 2, f] = x[b, t, f];
        streaming.Forward(first);
        Tensor<double> tail = streaming.Forward(second);
        for (int b = 0; b < Batch; b++)
            for (int j = 0; j < Units; j++)
                Assert.Equal(expected[b, 3, j], tail[b, 1, j], 14);

        streaming.ResetStates();
        Tensor<double> restarted = streaming.Forward(first);
        for (int b = 0; b < Batch; b++)
            for (int j = 0; j < Units; j++)
                Assert.Equal(expected[b, 1, j], restarted[b, 1, j], 14);

        var error = Assert.Throws<ShapeException>(() => streaming.Forward(Tensor<double>.Zeros(1, 2, Features)));
        Assert.Contains("stateful layer keeps states for batch size 3, got a batch of 1", error.Message);
    }
}
