using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;
using Recurrent.Tests.Layers;

namespace Recurrent.Tests.Models;

/// <summary>Attention and Concatenate inside functional models: end-to-end gradients, padding, files and wiring errors.</summary>
public class AttentionModelTests
{
    // The same ids with `extra` more padded steps at the end.
    private static Tensor<double> Padded(Tensor<double> ids, int extra)
    {
        var longer = Tensor<double>.Zeros(ids.Dim(0), ids.Dim(1) + extra);
        for (int b = 0; b < ids.Dim(0); b++)
            for (int t = 0; t < ids.Dim(1); t++) longer[b, t] = ids[b, t];
        return longer;
    }

    // Luong's encoder–decoder: the encoder's outputs are attended by each decoder step, whose output and context are
    // joined and mixed by a tanh layer before the softmax; the second output is the attention weights.
    private static Functional<double> AttentionTranslator(AttentionLayer<double> attention, int vocabulary = 7, int units = 4, int? seed = 5)
    {
        var source = new Input<double>([-1], "source");
        var target = new Input<double>([-1], "target");
        var (encoded, states) = new Lstm<double>(units, returnSequences: true, returnState: true, name: "encoder")
            .Call(new Embedding<double>(vocabulary, 3, maskZero: true, name: "source_embedding").Call(source));
        RecurrentCall<double> decoded = new Gru<double>(units, returnSequences: true, name: "decoder")
            .Call(new Embedding<double>(vocabulary, 3, maskZero: true, name: "target_embedding").Call(target), initialState: states.Take(1).ToArray());
        var (context, weights) = attention.Call(decoded, encoded);
        GraphTensor<double> joined = new Concatenate<double>(name: "joined").Call([context, decoded]);
        GraphTensor<double> mixed = new Dense<double>(units, "tanh", name: "attentional").Call(joined);
        GraphTensor<double> probabilities = new Dense<double>(vocabulary, "softmax", name: "next_token").Call(mixed);
        return new Functional<double>([source, target], [probabilities, weights], name: "attention_translator", seed: seed);
    }

    public static TheoryData<string> Attentions => ["dot", "general", "bahdanau"];

    private static AttentionLayer<double> Make(string kind) => kind == "bahdanau"
        ? new BahdanauAttention<double>(5, name: "attention")
        : new LuongAttention<double>(kind, useScale: kind == "dot", name: "attention");

    [Theory]
    [MemberData(nameof(Attentions))]
    public void Attention_encoder_decoder_with_padding_matches_finite_differences(string kind)
    {
        Functional<double> model = AttentionTranslator(Make(kind));
        model.Compile(new Sgd(0), Loss.SparseCategoricalCrossentropy(labelSmoothing: 0.1));
        Tensor<double> source = FunctionalTests.Ids(2, 7, [5, 2, 4], 5), target = FunctionalTests.Ids(3, 7, [4, 3, 1], 4), next = FunctionalTests.Ids(4, 7, [4, 3, 1], 4);
        model.TrainOnBatch([source, target], next);

        FiniteDifferences.AssertMatches(() => model.Evaluate([source, target], next)["loss"], FiniteDifferences.ParameterChecks(model.Parameters));
    }

    [Theory]
    [MemberData(nameof(Attentions))]
    public void Extra_padding_changes_neither_the_loss_nor_the_attention_weights(string kind)
    {
        Functional<double> model = AttentionTranslator(Make(kind));
        model.Compile(new Sgd(0), Loss.SparseCategoricalCrossentropy());
        Tensor<double> source = FunctionalTests.Ids(2, 7, [5, 2, 4], 5), target = FunctionalTests.Ids(3, 7, [4, 3, 1], 4), next = FunctionalTests.Ids(4, 7, [4, 3, 1], 4);

        double loss = model.Evaluate([source, target], next)["loss"];
        double paddedLoss = model.Evaluate([Padded(source, 3), Padded(target, 2)], Padded(next, 2))["loss"];
        Tensor<double> weights = model.PredictOutputs([source, target])[1];
        Tensor<double> paddedWeights = model.PredictOutputs([Padded(source, 3), Padded(target, 2)])[1];

        Assert.Equal(loss, paddedLoss, 1e-14);
        Assert.Equal([3, 4, 5], weights.Shape.ToArray());
        Assert.Equal([3, 6, 8], paddedWeights.Shape.ToArray());
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 5; j++) Assert.Equal(weights[b, i, j], paddedWeights[b, i, j]);
                for (int j = 5; j < 8; j++) Assert.Equal(0.0, paddedWeights[b, i, j]);
            }
    }

    [Fact]
    public void Saved_and_loaded_attention_model_predicts_identically()
    {
        Functional<double> model = AttentionTranslator(new LuongAttention<double>("general", name: "attention"));
        model.Compile(new Adam(0.01), Loss.SparseCategoricalCrossentropy());
        Tensor<double> source = FunctionalTests.Ids(2, 7, [5, 2, 4], 5), target = FunctionalTests.Ids(3, 7, [4, 3, 1], 4);
        model.TrainOnBatch([source, target], FunctionalTests.Ids(4, 7, [4, 3, 1], 4));
        string path = Path.Combine(Path.GetTempPath(), $"attention-{Guid.NewGuid():N}.rnn");
        try
        {
            ModelFile.Save(path, model);
            Functional<double> loaded = ModelFile.LoadFunctional<double>(path).Model;

            IReadOnlyList<Tensor<double>> expected = model.PredictOutputs([source, target]), actual = loaded.PredictOutputs([source, target]);
            Assert.Equal(expected[0].Data, actual[0].Data);
            Assert.Equal(expected[1].Data, actual[1].Data);
            Assert.Equal(model.Summary(), loaded.Summary());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Concatenate_refuses_a_single_input_and_parts_that_differ_before_the_last_axis()
    {
        var a = new Input<double>([4, 3], "a");
        var b = new Input<double>([5, 2], "b");
        var single = Assert.Throws<ShapeException>(() => new Concatenate<double>(name: "join").Call(a));
        Assert.Contains("join: expected at least 2 inputs", single.Message);
        var mismatch = Assert.Throws<ShapeException>(() => new Concatenate<double>(name: "join").Call([a, b]));
        Assert.Contains("(None, 4, 3) and (None, 5, 2)", mismatch.Message);
    }

    [Fact]
    public void Attention_call_with_a_query_that_is_not_a_sequence_is_refused_naming_the_layer()
    {
        var query = new Input<double>([4], "query");
        var value = new Input<double>([5, 4], "value");
        var error = Assert.Throws<ShapeException>(() => new LuongAttention<double>(name: "attend").Call(query, value));
        Assert.StartsWith("attend: expected query, value", error.Message);
    }
}
