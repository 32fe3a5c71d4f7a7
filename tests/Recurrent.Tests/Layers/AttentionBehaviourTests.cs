using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Tensors;
using static Recurrent.Tests.Layers.AttentionGradientTests;

namespace Recurrent.Tests.Layers;

/// <summary>Masks, hand-worked scores, shapes, saving and the decoder step of the attention layers.</summary>
public class AttentionBehaviourTests
{
    private const int Features = 3;

    private static AttentionLayer<double> Prepared(string kind)
    {
        AttentionLayer<double> layer = NewLayer(kind);
        RandomizeWeights(layer, Features, Features, 11);
        return layer;
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(AttentionGradientTests))]
    public void Extra_padded_value_steps_change_neither_context_weights_nor_gradients(string kind)
    {
        AttentionLayer<double> layer = Prepared(kind);
        Tensor<double> query = Random(1, 1.0, 2, 2, Features), value = Random(2, 1.0, 2, 3, Features);
        bool[,] mask = { { true, true, true }, { true, false, true } };
        // The same rows with two more padded steps holding large values, which must not leak anywhere.
        var padded = Tensor<double>.Zeros(2, 5, Features);
        for (int b = 0; b < 2; b++)
        {
            value.Span.Slice(b * 3 * Features, 3 * Features).CopyTo(padded.Span.Slice(b * 5 * Features));
            padded.Span.Slice((b * 5 + 3) * Features, 2 * Features).Fill(1e6);
        }
        bool[,] paddedMask = { { true, true, true, false, false }, { true, false, true, false, false } };
        Tensor<double> contextGradient = Random(3, 1.0, 2, 2, Features);

        double[] context = layer.ForwardAttention(query, value, valueMask: mask).Data;
        double[] weights = layer.Weights!.Data;
        layer.ZeroGradients();
        AttentionGradients<double> gradients = layer.BackwardAttention(contextGradient);
        (double[] queryGradient, double[] valueGradient) = (gradients.Query.Data.ToArray(), gradients.Value.Data.ToArray());
        double[][] weightGradients = layer.Parameters.Select(p => p.Gradient.Data.ToArray()).ToArray();

        double[] paddedContext = layer.ForwardAttention(query, padded, valueMask: paddedMask).Data;
        Tensor<double> paddedWeights = layer.Weights!;
        layer.ZeroGradients();
        AttentionGradients<double> paddedGradients = layer.BackwardAttention(contextGradient);

        Assert.Equal(context, paddedContext);
        for (int row = 0; row < 4; row++)
        {
            Assert.Equal(weights.AsSpan(row * 3, 3).ToArray(), paddedWeights.Span.Slice(row * 5, 3).ToArray());
            Assert.Equal([0.0, 0.0], paddedWeights.Span.Slice(row * 5 + 3, 2).ToArray());
        }
        Assert.Equal(queryGradient, paddedGradients.Query.Data);
        for (int b = 0; b < 2; b++)
        {
            Assert.Equal(valueGradient.AsSpan(b * 3 * Features, 3 * Features).ToArray(), paddedGradients.Value.Span.Slice(b * 5 * Features, 3 * Features).ToArray());
            Assert.All(paddedGradients.Value.Span.Slice((b * 5 + 3) * Features, 2 * Features).ToArray(), g => Assert.Equal(0.0, g));
        }
        for (int i = 0; i < weightGradients.Length; i++)
            Assert.Equal(weightGradients[i], layer.Parameters[i].Gradient.Data, (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)));
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(AttentionGradientTests))]
    public void Masked_steps_get_exactly_zero_weight_and_the_rest_sum_to_one(string kind)
    {
        AttentionLayer<double> layer = Prepared(kind);
        bool[,] mask = { { false, true, false, true, true }, { true, true, false, false, false } };
        layer.ForwardAttention(Random(4, 2.0, 2, 3, Features), Random(5, 2.0, 2, 5, Features), valueMask: mask);

        Tensor<double> weights = layer.Weights!;
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
            {
                double sum = 0;
                for (int j = 0; j < 5; j++)
                {
                    double w = weights[b, i, j];
                    if (mask[b, j]) { Assert.True(w > 0); sum += w; }
                    else Assert.Equal(0.0, w);
                }
                Assert.Equal(1.0, sum, 1e-12);
            }
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(AttentionGradientTests))]
    public void A_row_of_only_padding_gets_zero_weights_zero_context_and_zero_gradients(string kind)
    {
        AttentionLayer<double> layer = Prepared(kind);
        bool[,] mask = { { true, true }, { false, false } };
        Tensor<double> context = layer.ForwardAttention(Random(6, 1.0, 2, 2, Features), Random(7, 1.0, 2, 2, Features), valueMask: mask);
        AttentionGradients<double> gradients = layer.BackwardAttention(Random(8, 1.0, 2, 2, Features));

        Assert.All(context.Span.Slice(2 * Features).ToArray(), c => Assert.Equal(0.0, c));
        Assert.All(layer.Weights!.Span.Slice(4).ToArray(), w => Assert.Equal(0.0, w));
        Assert.All(gradients.Query.Span.Slice(2 * Features).ToArray(), g => Assert.Equal(0.0, g));
        Assert.All(gradients.Value.Span.Slice(2 * Features).ToArray(), g => Assert.Equal(0.0, g));
        Assert.DoesNotContain(context.Data, double.IsNaN);
    }

    [Fact]
    public void A_padded_query_step_gets_a_zero_context_but_keeps_its_weights_as_in_keras()
    {
        AttentionLayer<double> layer = Prepared("general");
        Tensor<double> context = layer.ForwardAttention(Random(9, 1.0, 1, 2, Features), Random(10, 1.0, 1, 3, Features),
            queryMask: new bool[,] { { true, false } });

        Assert.All(context.Span.Slice(Features).ToArray(), c => Assert.Equal(0.0, c));
        Assert.Contains(context.Span[..Features].ToArray(), c => c != 0);
        Assert.Equal(1.0, layer.Weights!.Span.Slice(3, 3).ToArray().Sum(), 1e-12);
    }

    // Hand-worked: softmax([a, b]) = [1, e^(b−a)] / (1 + e^(b−a)).
    private static (double, double) Softmax(double a, double b) => (1 / (1 + Math.Exp(b - a)), 1 / (1 + Math.Exp(a - b)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dot_score_matches_a_hand_computed_example(bool useScale)
    {
        var layer = new LuongAttention<double>("dot", useScale);
        layer.Build(2, 2);
        if (useScale) layer.SetWeights([Tensor<double>.FromValues([2.0])]);
        // q = [1, 0] against keys = values [1, 0] and [0, 1]: scores [1, 0] (×2 with the scale).
        Tensor<double> context = layer.ForwardAttention(Tensor<double>.FromValues([1, 0], 1, 1, 2), Tensor<double>.FromValues([1, 0, 0, 1], 1, 2, 2));

        (double w0, double w1) = Softmax(useScale ? 2 : 1, 0);
        Assert.Equal([w0, w1], layer.Weights!.Data, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal([w0, w1], context.Data, (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void General_score_matches_a_hand_computed_example()
    {
        var layer = new LuongAttention<double>("general");
        layer.SetWeights([Tensor<double>.FromValues([1, 2, 0, 1], 2, 2)]);
        // q·W = [1, 1]·[[1, 2], [0, 1]] = [1, 3]; keys [1, 0] and [0, 1] score 1 and 3; values 2 and 4.
        Tensor<double> context = layer.ForwardAttention(Tensor<double>.FromValues([1, 1], 1, 1, 2), Tensor<double>.FromValues([2, 4], 1, 2, 1),
            Tensor<double>.FromValues([1, 0, 0, 1], 1, 2, 2));

        (double w0, double w1) = Softmax(1, 3);
        Assert.Equal([w0, w1], layer.Weights!.Data, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(2 * w0 + 4 * w1, context[0, 0, 0], 1e-14);
    }

    [Fact]
    public void Additive_score_matches_a_hand_computed_example()
    {
        var layer = new BahdanauAttention<double>(2);
        // W₁ = [[1, 0]], W₂ = [[0, 1]], b = [0.5, 0], v = [1, −2].
        layer.SetWeights([Tensor<double>.FromValues([1, 0], 1, 2), Tensor<double>.FromValues([0, 1], 1, 2),
            Tensor<double>.FromValues([0.5, 0], 2), Tensor<double>.FromValues([1, -2], 2)]);
        // q = 0.3; keys = values 0.2 and −0.4: s_j = tanh(0.3 + 0.5) − 2·tanh(k_j).
        Tensor<double> context = layer.ForwardAttention(Tensor<double>.FromValues([0.3], 1, 1, 1), Tensor<double>.FromValues([0.2, -0.4], 1, 2, 1));

        double s0 = Math.Tanh(0.8) - 2 * Math.Tanh(0.2), s1 = Math.Tanh(0.8) - 2 * Math.Tanh(-0.4);
        (double w0, double w1) = Softmax(s0, s1);
        Assert.Equal([w0, w1], layer.Weights!.Data, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(0.2 * w0 - 0.4 * w1, context[0, 0, 0], 1e-15);
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(AttentionGradientTests))]
    public void A_decoder_step_on_precomputed_values_equals_the_full_forward_bit_for_bit(string kind)
    {
        AttentionLayer<double> layer = Prepared(kind);
        Tensor<double> value = Random(12, 1.0, 2, 4, Features), query = Random(13, 1.0, 2, 1, Features);
        bool[,] mask = { { true, true, false, true }, { true, true, false, false } };
        double[] context = layer.ForwardAttention(query, value, valueMask: mask).Data;

        AttentionMemory<double> memory = layer.Precompute(value, valueMask: mask);
        Tensor<double> stepContext = layer.Step(memory, query.Reshape(2, Features));

        Assert.Equal(context, stepContext.Data);
        Assert.Equal(layer.Weights!.Data, memory.Weights.Data);
    }

    [Theory]
    [InlineData("general")]
    [InlineData("additive")]
    public void Decoder_steps_allocate_nothing(string kind)
    {
        AttentionLayer<float> layer = kind == "general" ? new LuongAttention<float>("general", seed: 1) : new BahdanauAttention<float>(8, seed: 1);
        layer.Build(6, 5);
        AttentionMemory<float> memory = layer.Precompute(Tensor<float>.Zeros(4, 7, 5), valueMask: new bool[4, 7]);
        var query = Tensor<float>.Zeros(4, 6);
        layer.Step(memory, query);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) layer.Step(memory, query);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Query_and_value_of_different_batch_sizes_name_the_layer_and_both_shapes()
    {
        var layer = new LuongAttention<float>(name: "attention");
        var error = Assert.Throws<ShapeException>(() => layer.ForwardAttention(Tensor<float>.Zeros(2, 3, 4), Tensor<float>.Zeros(3, 5, 4)));
        Assert.Equal("attention: query [2, 3, 4] and value [3, 5, 4] must have the same batch size.", error.Message);
    }

    [Fact]
    public void Dot_score_with_query_and_key_of_different_sizes_names_both_shapes()
    {
        var layer = new LuongAttention<float>(name: "attention");
        var error = Assert.Throws<ShapeException>(() => layer.ForwardAttention(Tensor<float>.Zeros(2, 3, 4), Tensor<float>.Zeros(2, 5, 6)));
        Assert.Equal("attention: the dot score needs queries and keys of one size, got query [2, 3, 4] and key [2, 5, 6].", error.Message);
    }

    [Fact]
    public void A_query_of_the_wrong_size_names_the_expected_and_actual_shapes()
    {
        var layer = new BahdanauAttention<float>(8, name: "additive");
        layer.Build(4, 6);
        var error = Assert.Throws<ShapeException>(() => layer.ForwardAttention(Tensor<float>.Zeros(2, 3, 5), Tensor<float>.Zeros(2, 5, 6)));
        Assert.Equal("additive: expected query shape [..., 4], got [2, 3, 5].", error.Message);
    }

    [Fact]
    public void A_value_mask_of_the_wrong_shape_names_both_shapes()
    {
        var layer = new LuongAttention<float>("general", name: "attention");
        var error = Assert.Throws<ShapeException>(() => layer.ForwardAttention(Tensor<float>.Zeros(2, 3, 4), Tensor<float>.Zeros(2, 5, 4), valueMask: new bool[2, 4]));
        Assert.Equal("attention: value mask expected shape [2, 5], got [2, 4].", error.Message);
    }

    [Fact]
    public void A_key_that_does_not_match_the_value_names_both_shapes()
    {
        var layer = new LuongAttention<float>("general", name: "attention");
        var error = Assert.Throws<ShapeException>(() => layer.ForwardAttention(Tensor<float>.Zeros(2, 3, 4), Tensor<float>.Zeros(2, 5, 4), Tensor<float>.Zeros(2, 6, 4)));
        Assert.Equal("attention: key [2, 6, 4] must have the batch size and steps of value [2, 5, 4].", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(AttentionGradientTests))]
    public void Configuration_and_weights_round_trip_to_an_identical_layer(string kind)
    {
        AttentionLayer<double> layer = Prepared(kind);
        Tensor<double> query = Random(14, 1.0, 2, 2, Features), value = Random(15, 1.0, 2, 3, Features);
        bool[,] mask = { { true, true, true }, { true, false, false } };

        var copy = (AttentionLayer<double>)LayerConfig.FromJson<double>(LayerConfig.ToJson(layer), "test");
        copy.SetWeights(layer.GetWeights());

        Assert.Equal(LayerConfig.ToJson(layer).ToJsonString(), LayerConfig.ToJson(copy).ToJsonString());
        Assert.Equal(layer.ForwardAttention(query, value, valueMask: mask).Data, copy.ForwardAttention(query, value, valueMask: mask).Data);
    }

    [Fact]
    public void An_unknown_luong_score_in_a_configuration_names_the_layer()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse("""{"class_name": "LuongAttention", "config": {"name": "att", "score": "concat"}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => LayerConfig.FromJson<float>(config, "model.rnn"));
        Assert.Equal("model.rnn: layer 'att' (LuongAttention): att: score must be \"dot\" or \"general\", got \"concat\". (Parameter 'score')", error.Message);
    }
}
