using System.Text.Json.Nodes;
using Recurrent.Interop.Keras;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Interop.Tests.Keras;

/// <summary>
/// Keras layouts the real files in ../shared/data/keras do not cover, from fixtures written by
/// tests/FixtureScripts/make_keras_fixtures.py in Keras' own layouts, with outputs from an independent numpy pass.
/// </summary>
public class KerasImportTests
{
    // Keras 3.10 model.save("m.keras"): Bidirectional(SimpleRNN, concat) -> Bidirectional(GRU reset_after,
    // hard_sigmoid, ave) -> Dense(softmax).
    [Fact]
    public void Keras3_archive_with_bidirectional_simple_rnn_and_gru_predicts_the_numpy_output()
    {
        var (x, y) = KerasFixture.Expected<double>("k3_bidirectional");
        Sequential<double> model = KerasModel.Load<double>(KerasFixture.PathOf("k3_bidirectional.keras"));
        KerasFixture.AssertClose(y, model.Predict(x), 1e-12);
        var gru = Assert.IsType<Bidirectional<double>>(model.Layers[1]);
        Assert.Equal(MergeMode.Ave, gru.MergeMode);
        Assert.Equal("hard_sigmoid", Assert.IsType<Gru<double>>(gru.ForwardLayer).RecurrentActivation.Name);   // Keras 3: x/6 + 0.5
    }

    [Fact]
    public void Keras3_archive_predicts_in_float32_too()
    {
        var (x, y) = KerasFixture.Expected<float>("k3_bidirectional");
        KerasFixture.AssertClose(y, KerasModel.Load<float>(KerasFixture.PathOf("k3_bidirectional.keras")).Predict(x), 1e-6);
    }

    // Keras 2.2.4 save_weights("w.h5") + model.to_json(): Embedding(mask_zero) -> LSTM(hard_sigmoid) -> TimeDistributed(Dense).
    [Fact]
    public void Keras2_weights_file_with_its_to_json_architecture_runs_a_masked_lstm()
    {
        var (ids, y) = KerasFixture.Expected<double>("k2_masked_lstm");
        Sequential<double> model = KerasModel.Load<double>(KerasFixture.PathOf("k2_masked_lstm.weights.h5"), KerasFixture.PathOf("k2_masked_lstm.json"));
        KerasFixture.AssertClose(y, model.Predict(ids), 1e-12);
        Assert.Equal("hard_sigmoid_legacy", Assert.IsType<Lstm<double>>(model.Layers[1]).RecurrentActivation.Name);   // Keras 2: 0.2x + 0.5
    }

    [Fact]
    public void Keras2_weights_file_loads_into_a_model_built_in_code_by_layer_order()
    {
        var (ids, y) = KerasFixture.Expected<double>("k2_masked_lstm");
        var model = new Sequential<double>([new Embedding<double>(12, 4, maskZero: true),
            new Lstm<double>(5, recurrentActivation: "hard_sigmoid_legacy", returnSequences: true), new TimeDistributed<double>(new Dense<double>(2))], inputShape: [-1]);
        KerasWeights.LoadInto(model, KerasFixture.PathOf("k2_masked_lstm.weights.h5"));
        KerasFixture.AssertClose(y, model.Predict(ids), 1e-12);
    }

    // Keras 3.10 save_weights("m.weights.h5"): layers/gru/cell/vars, layers/dropout, layers/simple_rnn/cell/vars, layers/dense, layers/dense_1.
    [Fact]
    public void Keras3_weights_file_loads_into_a_model_built_in_code()
    {
        var (x, y) = KerasFixture.Expected<double>("k3_gru_stack");
        Sequential<double> model = GruStack(units: 3);
        KerasWeights.LoadInto(model, KerasFixture.PathOf("k3_gru_stack.weights.h5"));
        KerasFixture.AssertClose(y, model.Predict(x), 1e-12);
    }

    [Fact]
    public void Weights_of_another_shape_are_refused_naming_the_file_layer_and_weight()
    {
        Sequential<double> model = GruStack(units: 5);
        var error = Assert.Throws<InvalidModelFileException>(() => KerasWeights.LoadInto(model, KerasFixture.PathOf("k3_gru_stack.weights.h5")));
        Assert.Contains("k3_gru_stack.weights.h5", error.Message);
        Assert.Contains("layer 'stack_gru' (GRU) needs [2, 15]", error.Message);
    }

    [Fact]
    public void A_weights_file_with_more_layers_than_the_model_is_refused()
    {
        var model = new Sequential<double>([new Gru<double>(3, resetAfter: false, returnSequences: true), new SimpleRnn<double>(4, "relu"), new Dense<double>(3)], inputShape: [-1, 2]);
        var error = Assert.Throws<InvalidModelFileException>(() => KerasWeights.LoadInto(model, KerasFixture.PathOf("k3_gru_stack.weights.h5")));
        Assert.Contains("'layers/dense_1' holds weights that no layer of the model takes", error.Message);
    }

    [Fact]
    public void A_weights_only_file_without_architecture_asks_for_the_json()
    {
        var error = Assert.Throws<InvalidModelFileException>(() => KerasModel.Load<float>(KerasFixture.PathOf("k2_masked_lstm.weights.h5")));
        Assert.Contains("model.to_json()", error.Message);
    }

    [Fact]
    public void A_lambda_layer_is_refused_by_name_and_never_run()
    {
        var error = Assert.Throws<NotSupportedException>(() => KerasModel.Load<float>(KerasFixture.PathOf("k2_lambda.h5")));
        Assert.Contains("layer 'lambda_1' (Lambda) holds Python code", error.Message);
    }

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { """{"time_major": true}""", "lstm_1", "time_major" },
        { """{"activation": "gelu"}""", "lstm_1", "activation 'gelu'" },
        { """{"activation": {"class_name": "LeakyReLU", "config": {"alpha": 0.1}}}""", "lstm_1", "custom activation object" },
        { """{"zero_output_for_mask": true}""", "lstm_1", "zero_output_for_mask" },
        { """{"dtype": "int32"}""", "lstm_1", "dtype" },
        { """{"peephole": true}""", "lstm_1", "option 'peephole'" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void An_option_we_cannot_honour_is_refused_naming_the_layer_and_the_option(string change, string layer, string option)
    {
        JsonNode config = Architecture();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject()) config["config"]!["layers"]![1]!["config"]![key] = value?.DeepClone();
        var error = Assert.Throws<NotSupportedException>(() => LoadWith(config));
        Assert.Contains($"layer '{layer}'", error.Message);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void A_custom_class_is_refused_by_name()
    {
        JsonNode config = Architecture();
        config["config"]!["layers"]![1] = JsonNode.Parse("""{"module": "my_project.layers", "class_name": "AttentionLSTM", "config": {"name": "attn"}, "registered_name": "MyProject>AttentionLSTM"}""");
        var error = Assert.Throws<NotSupportedException>(() => LoadWith(config));
        Assert.Contains("layer 'attn' (AttentionLSTM) is a custom object", error.Message);
    }

    [Fact]
    public void A_functional_model_is_refused()
    {
        JsonNode config = Architecture();
        config["class_name"] = "Functional";
        Assert.Contains("Keras Functional", Assert.Throws<NotSupportedException>(() => LoadWith(config)).Message);
    }

    [Fact]
    public void Hard_sigmoid_without_any_keras_version_is_refused_rather_than_guessed()
    {
        // The Keras 3 weights file records no version, and this Keras 2-style JSON has none either.
        var config = JsonNode.Parse("""
            {"class_name": "Sequential", "config": {"layers": [
              {"class_name": "GRU", "config": {"name": "g", "units": 3, "reset_after": false, "return_sequences": true, "recurrent_activation": "hard_sigmoid", "batch_input_shape": [null, null, 2]}},
              {"class_name": "Dropout", "config": {"rate": 0.5}}, {"class_name": "SimpleRNN", "config": {"units": 4, "activation": "relu"}},
              {"class_name": "Dense", "config": {"units": 3}}, {"class_name": "Dense", "config": {"units": 1}}]}}
            """)!;
        var error = Assert.Throws<NotSupportedException>(() => WithTemporary(config, json => KerasModel.Load<float>(KerasFixture.PathOf("k3_gru_stack.weights.h5"), json)));
        Assert.Contains("layer 'g' (GRU) uses hard_sigmoid", error.Message);
    }

    [Theory]
    [InlineData("SimpleRNN", "simple_rnn")]
    [InlineData("LSTM", "lstm")]
    [InlineData("TimeDistributed", "time_distributed")]
    [InlineData("Bidirectional", "bidirectional")]
    public void Keras3_object_paths_use_keras_snake_case(string className, string expected) =>
        Assert.Equal(expected, KerasWeightLayout.SnakeCase(className));

    private static Sequential<double> GruStack(int units) => new(
        [new Gru<double>(units, resetAfter: false, returnSequences: true, name: "stack_gru"), new Dropout<double>(0.5), new SimpleRnn<double>(4, "relu"),
         new Dense<double>(3), new Dense<double>(1)], inputShape: [-1, 2]);

    private static JsonNode Architecture() => JsonNode.Parse(File.ReadAllText(KerasFixture.PathOf("k2_masked_lstm.json")))!;

    private static Sequential<float> LoadWith(JsonNode config) =>
        WithTemporary(config, json => KerasModel.Load<float>(KerasFixture.PathOf("k2_masked_lstm.weights.h5"), json));

    private static Sequential<float> WithTemporary(JsonNode config, Func<string, Sequential<float>> load)
    {
        string path = Path.Combine(Path.GetTempPath(), $"keras-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJsonString());
        try { return load(path); }
        finally { File.Delete(path); }
    }
}
