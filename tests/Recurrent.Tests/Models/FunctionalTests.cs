using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;
using Recurrent.Tests.Layers;

namespace Recurrent.Tests.Models;

/// <summary>Functional models: one engine with Sequential, encoder–decoder gradients, shared layers, files and wiring errors.</summary>
public class FunctionalTests
{
    private static Tensor<T> Random<T>(int seed, params int[] shape) where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var tensor = Tensor<T>.Zeros(shape);
        for (int i = 0; i < tensor.Length; i++) tensor.Span[i] = T.CreateChecked(2 * random.NextDouble() - 1);
        return tensor;
    }

    // Token ids [rows, steps] with trailing zero padding: row b keeps its first lengths[b] ids (1 ... vocabulary − 1).
    internal static Tensor<double> Ids(int seed, int vocabulary, int[] lengths, int steps)
    {
        var random = new Random(seed);
        var ids = Tensor<double>.Zeros(lengths.Length, steps);
        for (int b = 0; b < lengths.Length; b++)
            for (int t = 0; t < lengths[b]; t++) ids[b, t] = random.Next(1, vocabulary);
        return ids;
    }

    private static Layer<double>[] StackLayers() =>
        [new Embedding<double>(9, 4, maskZero: true), new Lstm<double>(5, returnSequences: true), new Gru<double>(3), new Dense<double>(4, "softmax")];

    [Fact]
    public void Functional_and_sequential_models_give_bit_identical_outputs_and_gradients()
    {
        var sequential = new Sequential<double>(StackLayers(), inputShape: [6], seed: 3);
        var input = new Input<double>([6], "tokens");
        GraphTensor<double> x = input;
        foreach (Layer<double> layer in StackLayers()) x = layer.Call(x);
        var functional = new Functional<double>(input, x);
        functional.SetWeights(sequential.GetWeights());
        Tensor<double> ids = Ids(1, 9, [6, 3, 1, 5], 6), labels = new([0, 3, 1, 2], 4);

        Assert.Equal(sequential.Predict(ids).Data, functional.Predict(ids).Data);
        foreach (Model<double> model in new Model<double>[] { sequential, functional }) model.Compile(new Sgd(0.1), Loss.SparseCategoricalCrossentropy());
        for (int step = 0; step < 2; step++)
            Assert.Equal(sequential.TrainOnBatch(ids, labels)["loss"], functional.TrainOnBatch([ids], labels)["loss"]);
        for (int p = 0; p < sequential.Parameters.Count; p++)
        {
            Assert.Equal(sequential.Parameters[p].Gradient.Data, functional.Parameters[p].Gradient.Data);
            Assert.Equal(sequential.Parameters[p].Value.Data, functional.Parameters[p].Value.Data);
        }
    }

    // source ids → Embedding (shared with the target) → LSTM(return_state) → its h and c start the decoder LSTM over the
    // teacher-forced target embeddings → TimeDistributed Dense softmax; both inputs padded with zeros (masked).
    private static Functional<double> EncoderDecoder(int vocabulary = 7, int units = 4, int? seed = 5)
    {
        var source = new Input<double>([-1], "source");
        var target = new Input<double>([-1], "target");
        var embedding = new Embedding<double>(vocabulary, 3, maskZero: true, name: "shared_embedding");
        var (_, states) = new Lstm<double>(units, returnState: true, name: "encoder").Call(embedding.Call(source));
        RecurrentCall<double> decoded = new Lstm<double>(units, returnSequences: true, name: "decoder").Call(embedding.Call(target), initialState: states);
        GraphTensor<double> probabilities = new TimeDistributed<double>(new Dense<double>(vocabulary, "softmax"), name: "next_token").Call(decoded);
        return new Functional<double>([source, target], [probabilities], name: "translator", seed: seed);
    }

    [Fact]
    public void Encoder_decoder_with_padding_masks_and_a_shared_embedding_matches_finite_differences()
    {
        Functional<double> model = EncoderDecoder();
        model.Compile(new Sgd(0), Loss.SparseCategoricalCrossentropy());
        Tensor<double> source = Ids(2, 7, [5, 2, 4], 5), target = Ids(3, 7, [4, 4, 1], 4), next = Ids(4, 7, [4, 4, 1], 4);
        model.TrainOnBatch([source, target], next);

        FiniteDifferences.AssertMatches(() => model.Evaluate([source, target], next)["loss"], FiniteDifferences.ParameterChecks(model.Parameters));
    }

    [Fact]
    public void A_shared_layer_gets_the_sum_of_the_gradients_of_its_applications()
    {
        var input = new Input<double>([3]);
        var shared = new Dense<double>(3, "tanh");
        var model = new Functional<double>(input, new Dense<double>(1).Call(shared.Call(shared.Call(input))), seed: 2);
        var first = new Dense<double>(3, "tanh");
        var second = new Dense<double>(3, "tanh");
        var unshared = new Functional<double>(input, new Dense<double>(1).Call(second.Call(first.Call(input))));
        unshared.SetWeights([.. model.GetWeights().Take(2), .. model.GetWeights()]);
        Tensor<double> x = Random<double>(1, 5, 3), y = Random<double>(2, 5, 1);
        foreach (Model<double> m in new Model<double>[] { model, unshared }) m.Compile(new Sgd(0), Loss.MeanSquaredError);
        model.TrainOnBatch(x, y);
        unshared.TrainOnBatch(x, y);

        Assert.Equal(4, model.Parameters.Count);   // kernel and bias of the shared layer once, then the output layer's
        for (int p = 0; p < 2; p++)
        {
            double[] expected = first.Parameters[p].Gradient.Data.Zip(second.Parameters[p].Gradient.Data, (a, b) => a + b).ToArray();
            Assert.Equal(expected, shared.Parameters[p].Gradient.Data, (a, b) => Math.Abs(a - b) <= 1e-14);
        }
        FiniteDifferences.AssertMatches(() => model.Evaluate(x, y)["loss"], FiniteDifferences.ParameterChecks(model.Parameters));
    }

    [Fact]
    public void Saved_and_loaded_functional_model_predicts_identically_and_keeps_its_summary()
    {
        Functional<double> model = EncoderDecoder();
        model.Compile(new Adam(0.01), Loss.SparseCategoricalCrossentropy());
        Tensor<double> source = Ids(2, 7, [5, 2, 4], 5), target = Ids(3, 7, [4, 4, 1], 4);
        model.TrainOnBatch([source, target], Ids(4, 7, [4, 4, 1], 4));
        string path = Path.Combine(Path.GetTempPath(), $"functional-{Guid.NewGuid():N}.rnn");
        try
        {
            ModelFile.Save(path, model);
            Functional<double> loaded = ModelFile.LoadFunctional<double>(path).Model;

            Assert.Equal(model.Predict([source, target]).Data, loaded.Predict([source, target]).Data);
            Assert.Equal(model.Summary(), loaded.Summary());
            Assert.Equal("adam", loaded.Optimizer.Name);
            var refused = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<double>(path));
            Assert.Contains("LoadFunctional", refused.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Summary_lists_inputs_and_what_each_layer_is_connected_to()
    {
        string summary = EncoderDecoder().Summary();

        Assert.Contains("Connected to", summary);
        Assert.Contains("source (InputLayer)", summary);
        Assert.Contains("shared_embedding[1][0]", summary);   // the decoder reads the embedding's second application
        Assert.Contains("encoder[0][2]", summary);           // and the encoder's c state
    }

    [Fact]
    public void Concurrent_predictions_of_a_model_with_a_shared_layer_match_serial_ones()
    {
        Functional<double> model = EncoderDecoder();
        Tensor<double> source = Ids(2, 7, [5, 2, 4], 5), target = Ids(3, 7, [4, 4, 1], 4);
        double[] serial = model.Predict([source, target]).Data;

        Parallel.For(0, 8, _ => Assert.Equal(serial, model.Predict([source, target]).Data));
    }

    [Fact]
    public void Fit_with_two_inputs_learns_a_toy_copy_task()
    {
        // Copy a sequence of tokens: the decoder reads <start>=1 then the tokens, and must predict the tokens then <end>=2.
        var random = new Random(7);
        int samples = 64, steps = 4;
        var source = Tensor<float>.Zeros(samples, steps);
        var target = Tensor<float>.Zeros(samples, steps + 1);
        var next = Tensor<float>.Zeros(samples, steps + 1);
        for (int b = 0; b < samples; b++)
        {
            target[b, 0] = 1;
            for (int t = 0; t < steps; t++) source[b, t] = target[b, t + 1] = next[b, t] = random.Next(3, 7);
            next[b, steps] = 2;
        }
        var sourceInput = new Input<float>([steps], "source");
        var targetInput = new Input<float>([steps + 1], "target");
        var (_, states) = new Lstm<float>(24, returnState: true).Call(new Embedding<float>(7, 8).Call(sourceInput));
        var decoded = new Lstm<float>(24, returnSequences: true).Call(new Embedding<float>(7, 8).Call(targetInput), initialState: states);
        var model = new Functional<float>([sourceInput, targetInput], [new TimeDistributed<float>(new Dense<float>(7, "softmax")).Call(decoded)], seed: 1);
        model.Compile(new Adam(0.02), Loss.SparseCategoricalCrossentropy(), "accuracy");

        History history = model.Fit([source, target], next, epochs: 40, batchSize: 16, verbose: 0);

        Assert.True(history["loss"][^1] < 0.2 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void A_tensor_of_another_graph_is_refused_naming_the_layer_and_the_input()
    {
        var input = new Input<double>([3], "a");
        var other = new Input<double>([3], "b");
        var dense = new Dense<double>(2, name: "reads_b");

        var error = Assert.Throws<ArgumentException>(() => new Functional<double>(input, dense.Call(other)));

        Assert.Contains("layer 'reads_b' reads input 'b' (None, 3), which is not one of the model's inputs ('a')", error.Message);
    }

    [Fact]
    public void An_unused_input_is_refused()
    {
        var used = new Input<double>([3], "used");
        var unused = new Input<double>([2], "unused");

        var error = Assert.Throws<ArgumentException>(() => new Functional<double>([used, unused], [new Dense<double>(1).Call(used)]));

        Assert.Contains("input 'unused' (None, 2) is not used by any output", error.Message);
    }

    [Fact]
    public void An_initial_state_of_the_wrong_size_is_refused_naming_the_layer_and_both_shapes()
    {
        var input = new Input<double>([-1, 3]);
        var (_, states) = new Lstm<double>(4, returnState: true).Call(input);

        var error = Assert.Throws<ShapeException>(() => new Lstm<double>(5, name: "decoder").Call(input, initialState: states));

        Assert.Equal("decoder: initial_state[0] expected shape (None, 5), got (None, 4).", error.Message);
    }

    [Fact]
    public void A_shared_layer_applied_to_inputs_its_weights_do_not_fit_is_refused_naming_both_shapes()
    {
        var wide = new Input<double>([5], "wide");
        var narrow = new Input<double>([3], "narrow");
        var shared = new Dense<double>(2, name: "shared");

        var error = Assert.Throws<ShapeException>(() => new Functional<double>([wide, narrow], [shared.Call(wide), shared.Call(narrow)]));

        Assert.Contains("shared layer 'shared' is applied to (None, 5) and then to (None, 3)", error.Message);
    }

    [Fact]
    public void A_configuration_whose_nodes_form_a_cycle_is_refused()
    {
        JsonObject config = EncoderDecoder().GetConfig();
        // Make the encoder read the decoder's output, which itself waits for the encoder's states.
        JsonArray layers = config["config"]!["layers"]!.AsArray();
        JsonNode encoder = layers.Single(l => l!["name"]!.GetValue<string>() == "encoder")!;
        encoder["inbound_nodes"]![0]!["args"] = new JsonArray(new JsonArray("decoder", 0, 0));

        var error = Assert.Throws<InvalidModelFileException>(() => Functional<double>.FromConfig(config, "cycle.json"));

        Assert.Contains("cycle.json: the inbound nodes form a cycle", error.Message);
    }
}
