using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Finite-difference checks (float64) of both attention layers: every weight, query, value and key, with and without masks.</summary>
public class AttentionGradientTests
{
    private const int Batch = 3, QuerySteps = 2, ValueSteps = 4, QueryFeatures = 3, ValueFeatures = 5;

    public static TheoryData<string> Kinds() => ["dot", "dot_scaled", "general", "general_scaled", "additive", "additive_without_bias"];

    /// <summary>A new layer of <paramref name="kind"/>; the dot scores need keys of the query's size.</summary>
    internal static AttentionLayer<double> NewLayer(string kind, int seed = 1) => kind switch
    {
        "dot" => new LuongAttention<double>("dot", seed: seed),
        "dot_scaled" => new LuongAttention<double>("dot", useScale: true, seed: seed),
        "general" => new LuongAttention<double>("general", seed: seed),
        "general_scaled" => new LuongAttention<double>("general", useScale: true, seed: seed),
        "additive" => new BahdanauAttention<double>(4, seed: seed),
        "additive_without_bias" => new BahdanauAttention<double>(4, useBias: false, seed: seed),
        _ => throw new ArgumentException(kind),
    };

    internal static Tensor<double> Random(int seed, double scale, params int[] shape)
    {
        var random = new Random(seed);
        var t = Tensor<double>.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = scale * (2 * random.NextDouble() - 1);
        return t;
    }

    /// <summary>Builds the layer and redraws every weight (a scale away from 1, a non-zero bias) so each gradient term shows.</summary>
    internal static void RandomizeWeights(AttentionLayer<double> layer, int queryFeatures, int keyFeatures, int seed)
    {
        if (!layer.IsBuilt) layer.Build(queryFeatures, keyFeatures);
        layer.SetWeights(layer.Parameters.Select((p, i) => Random(seed + i, 0.9, p.Value.Shape.ToArray())).ToList());
    }

    // Row 0: no padding; row 1: a padded step inside and one at the end; row 2: all padding (zero context and gradients).
    private static bool[,] ValueMask() => new bool[,] { { true, true, true, true }, { true, false, true, false }, { false, false, false, false } };

    private static bool[,] QueryMask() => new bool[,] { { true, false }, { true, true }, { false, true } };

    private static void Check(AttentionLayer<double> layer, bool separateKey, bool[,]? valueMask, bool[,]? queryMask)
    {
        int keyFeatures = layer is LuongAttention<double> { Score: "dot" } ? QueryFeatures : 2;
        Tensor<double> query = Random(2, 1.0, Batch, QuerySteps, QueryFeatures);
        Tensor<double> value = Random(3, 1.0, Batch, ValueSteps, separateKey ? ValueFeatures : keyFeatures);
        Tensor<double>? key = separateKey ? Random(4, 1.0, Batch, ValueSteps, keyFeatures) : null;
        RandomizeWeights(layer, QueryFeatures, keyFeatures, 5);

        AssertMatches(layer, () => layer.ForwardAttention(query, value, key, valueMask, queryMask), lossWeights =>
        {
            AttentionGradients<double> gradients = layer.BackwardAttention(lossWeights);
            List<(string, Tensor<double>, double[])> inputs = [("query", query, gradients.Query.Data.ToArray()), ("value", value, gradients.Value.Data.ToArray())];
            if (key is not null) inputs.Add(("key", key, gradients.Key!.Data.ToArray()));
            return inputs;
        });
    }

    // Loss = Σ R ⊙ run(); backward(R) runs the backward pass and lists the inputs to check with their analytic gradients.
    private static void AssertMatches(AttentionLayer<double> layer, Func<Tensor<double>> run,
        Func<Tensor<double>, List<(string, Tensor<double>, double[])>> backward)
    {
        Tensor<double> lossWeights = Random(6, 1.0, run().Shape.ToArray());
        double Loss() => run().Data.Zip(lossWeights.Data, (a, b) => a * b).Sum();

        Loss();
        layer.ZeroGradients();
        List<(string, Tensor<double>, double[])> inputs = backward(lossWeights);
        FiniteDifferences.AssertMatches(Loss, FiniteDifferences.ParameterChecks(layer.Parameters).ToList().Concat(inputs));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Attention_matches_finite_differences_with_value_as_key(string kind) =>
        Check(NewLayer(kind), separateKey: false, valueMask: null, queryMask: null);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Attention_matches_finite_differences_with_a_separate_key(string kind) =>
        Check(NewLayer(kind), separateKey: true, valueMask: null, queryMask: null);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Attention_matches_finite_differences_with_value_and_query_masks(string kind) =>
        Check(NewLayer(kind), separateKey: true, ValueMask(), QueryMask());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Attention_matches_finite_differences_with_a_value_mask_and_value_as_key(string kind) =>
        Check(NewLayer(kind), separateKey: false, ValueMask(), queryMask: null);

    [Theory]
    [InlineData("dot_scaled")]
    [InlineData("additive")]
    public void Self_attention_through_the_single_input_api_matches_finite_differences(string kind)
    {
        AttentionLayer<double> layer = NewLayer(kind);
        Tensor<double> input = Random(7, 1.0, Batch, ValueSteps, QueryFeatures);
        RandomizeWeights(layer, QueryFeatures, QueryFeatures, 8);
        bool[,] mask = ValueMask();
        AssertMatches(layer, () => layer.Forward(input, mask, training: false, out _),
            lossWeights => [("input", input, layer.Backward(lossWeights).Data.ToArray())]);
    }
}
