using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Finite-difference checks (float64) of the non-recurrent layers, alone and wrapped.</summary>
public class LayerGradientTests
{
    private static Tensor<double> Random(int seed, double scale, params int[] shape)
    {
        var random = new Random(seed);
        var t = Tensor<double>.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = scale * (2 * random.NextDouble() - 1);
        return t;
    }

    // Loss = Σ R ⊙ (layers applied in turn to the input); checks the input gradient (when wanted) and every weight.
    private static void Check(Tensor<double> input, bool checkInput, params Layer<double>[] layers)
    {
        Tensor<double> Run()
        {
            Tensor<double> x = input;
            foreach (Layer<double> layer in layers) x = layer.Forward(x);
            return x;
        }
        Tensor<double> output = Run();
        Tensor<double> weights = Random(99, 1.0, output.Shape.ToArray());
        double Loss() => Run().Data.Zip(weights.Data, (a, b) => a * b).Sum();

        Loss();
        foreach (Layer<double> layer in layers) layer.ZeroGradients();
        Tensor<double> gradient = weights;
        for (int i = layers.Length - 1; i >= 0; i--) gradient = layers[i].Backward(gradient);

        var checks = FiniteDifferences.ParameterChecks(layers.SelectMany(l => l.Parameters)).ToList();
        if (checkInput) checks.Add(("input", input, gradient.Data.ToArray()));
        FiniteDifferences.AssertMatches(Loss, checks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("softmax")]
    [InlineData("relu")]
    public void Dense_matches_finite_differences(string? activation) =>
        Check(Random(1, 1.5, 4, 5), true, new Dense<double>(3, activation, seed: 1));

    [Fact]
    public void Dense_on_sequences_matches_finite_differences() =>
        Check(Random(2, 1.5, 2, 3, 5), true, new Dense<double>(4, "tanh", seed: 2));

    [Fact]
    public void Embedding_matches_finite_differences_including_repeated_ids()
    {
        var ids = Tensor<double>.FromValues([1, 3, 3, 0, 2, 1], 2, 3);
        Check(ids, false, new Embedding<double>(5, 4, seed: 3), new Dense<double>(2, "tanh", seed: 4));
    }

    [Fact]
    public void TimeDistributed_dense_matches_finite_differences() =>
        Check(Random(5, 1.5, 2, 3, 4), true, new TimeDistributed<double>(new Dense<double>(3, "softmax", seed: 5)));

    [Fact]
    public void LayerNormalization_matches_finite_differences()
    {
        var norm = new LayerNormalization<double>();
        norm.Build([5]);
        // Non-trivial γ and β so their gradients and the input's are all exercised.
        norm.SetWeights([Random(6, 1.0, 5), Random(7, 1.0, 5)]);
        Check(Random(8, 2.0, 2, 3, 5), true, norm);
    }

    [Fact]
    public void Activation_repeat_vector_and_flatten_match_finite_differences() =>
        Check(Random(9, 1.5, 2, 4), true, new ActivationLayer<double>("softsign"), new RepeatVector<double>(3),
            new Dense<double>(2, "tanh", seed: 9), new Flatten<double>());

    [Fact]
    public void Masking_zeroes_padded_steps_and_their_gradient()
    {
        var x = Tensor<double>.FromValues([1, 2, 0, 0, 3, 4], 1, 3, 2);
        var masking = new Masking<double>();
        Tensor<double> y = masking.Forward(x, null, false, out bool[,]? mask);
        Assert.Equal(new[,] { { true, false, true } }, mask);
        Tensor<double> gradient = masking.Backward(Tensor<double>.FromValues([1, 1, 1, 1, 1, 1], 1, 3, 2));
        Assert.Equal([1.0, 1, 0, 0, 1, 1], gradient.Data);
        Assert.Equal(x.Data, y.Data);
    }

    [Fact]
    public void Dropout_scales_kept_values_and_routes_the_gradient_through_the_same_mask()
    {
        var dropout = new Dropout<double>(0.5, seed: 4);
        var x = Tensor<double>.FromValues(Enumerable.Repeat(1.0, 1000).ToArray(), 10, 100);
        Tensor<double> y = dropout.Forward(x, training: true);
        Tensor<double> gradient = dropout.Backward(x);

        Assert.All(y.Data, v => Assert.True(v == 0 || v == 2));
        Assert.InRange(y.Data.Count(v => v == 0), 400, 600);
        Assert.Equal(y.Data, gradient.Data);
        Assert.Equal(x.Data, dropout.Forward(x, training: false).Data);
    }

    [Fact]
    public void Embedding_with_mask_zero_masks_padding_ids()
    {
        var embedding = new Embedding<float>(10, 3, maskZero: true);
        embedding.Forward(Tensor<float>.FromValues([0, 0, 4, 5], 2, 2), null, false, out bool[,]? mask);
        Assert.Equal(new[,] { { false, false }, { true, true } }, mask);
    }

    [Fact]
    public void Embedding_rejects_ids_outside_the_vocabulary()
    {
        var error = Assert.Throws<ArgumentException>(() => new Embedding<float>(10, 3, name: "words").Forward(Tensor<float>.FromValues([1, 10], 1, 2)));
        Assert.Equal("words: id 10 at flat index 1 of input [1, 2] is not an integer in [0, 10).", error.Message);
    }
}
