using System.Text;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.IO;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static Sequential<float> EveryLayerModel()
    {
        var model = new Sequential<float>(
        [
            new Embedding<float>(20, 6, maskZero: true),
            new Bidirectional<float>(new Gru<float>(5, resetAfter: false, returnSequences: true, recurrentActivation: "hard_sigmoid_legacy"), MergeMode.Sum),
            new LayerNormalization<float>(),
            new Lstm<float>(4, returnSequences: true, dropout: 0.1),
            new TimeDistributed<float>(new Dense<float>(3, "relu")),
            new Dropout<float>(0.2),
            new SimpleRnn<float>(3, activation: null, goBackwards: true),
            new RepeatVector<float>(2),
            new Flatten<float>(),
            new ActivationLayer<float>("softsign"),
            new Dense<float>(2, "softmax"),
        ], inputShape: [7], seed: 3);
        model.Compile(new RmsProp(0.003), Loss.SparseCategoricalCrossentropy(), "accuracy");
        return model;
    }

    private static Tensor<float> Ids() => Tensor<float>.FromValues([0, 0, 3, 4, 19, 1, 2, 5, 6, 7, 8, 9, 10, 11], 2, 7);

    [Fact]
    public void Save_then_load_gives_bit_identical_predictions_and_keeps_preprocessing_and_compile_settings()
    {
        Sequential<float> model = EveryLayerModel();
        model.Fit(Ids(), Tensor<float>.FromValues([0, 1], 2), epochs: 2, verbose: 0);
        var preprocessing = new JsonObject { ["tokenizer"] = new JsonObject { ["num_words"] = 20 } };
        ModelFile.Save(PathOf("model.rnn"), model, preprocessing);

        LoadedModel<float> loaded = ModelFile.Load<float>(PathOf("model.rnn"));

        Assert.Equal(model.Predict(Ids()).Data, loaded.Model.Predict(Ids()).Data);
        Assert.Equal(model.Layers.Select(l => l.Name), loaded.Model.Layers.Select(l => l.Name));
        Assert.Equal(20, loaded.Preprocessing!["tokenizer"]!["num_words"]!.GetValue<int>());
        Assert.Equal("rmsprop", loaded.Model.Optimizer.Name);
        Assert.Equal(0.003, loaded.Model.Optimizer.LearningRate, 12);
        Assert.Equal(["accuracy"], loaded.Model.MetricNames);
        Assert.Equal(model.Summary(), loaded.Model.Summary());
    }

    [Fact]
    public void Saving_leaves_no_temporary_files_behind()
    {
        Sequential<float> model = EveryLayerModel();
        ModelFile.Save(PathOf("a.rnn"), model);
        ModelFile.Save(PathOf("a.rnn"), model);
        Assert.Equal(["a.rnn"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_truncated_file_is_refused_with_its_name()
    {
        ModelFile.Save(PathOf("full.rnn"), EveryLayerModel());
        byte[] bytes = File.ReadAllBytes(PathOf("full.rnn"));
        File.WriteAllBytes(PathOf("cut.rnn"), bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("cut.rnn")));
        Assert.StartsWith(PathOf("cut.rnn") + ":", error.Message);
    }

    [Fact]
    public void A_huge_declared_header_is_refused_before_allocating()
    {
        byte[] bytes = new byte[16];
        BitConverter.GetBytes(ulong.MaxValue).CopyTo(bytes, 0);
        File.WriteAllBytes(PathOf("huge.rnn"), bytes);
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("huge.rnn")));
        Assert.Contains("exceeds the file size", error.Message);
    }

    private static void WriteWithConfig(string path, string config) =>
        SafeTensors.Write<float>(path, [], new Dictionary<string, string>
        {
            ["format"] = ModelFile.FormatName, ["format_version"] = "1", ["dtype"] = "float32", ["model_config"] = config,
        });

    [Fact]
    public void An_unknown_layer_class_is_refused_naming_the_layer()
    {
        WriteWithConfig(PathOf("lambda.rnn"), """{"class_name":"Sequential","config":{"name":"m","input_shape":[3],"layers":[{"class_name":"Lambda","config":{"name":"evil"}}]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("lambda.rnn")));
        Assert.Equal($"{PathOf("lambda.rnn")}: layer 'evil' has unsupported class 'Lambda'.", error.Message);
    }

    [Fact]
    public void An_unknown_option_is_refused_naming_the_layer_and_the_option()
    {
        WriteWithConfig(PathOf("option.rnn"), """{"class_name":"Sequential","config":{"name":"m","input_shape":[3,2],"layers":[{"class_name":"LSTM","config":{"name":"enc","units":4,"implementation":3}}]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("option.rnn")));
        Assert.Equal($"{PathOf("option.rnn")}: layer 'enc' (LSTM) has option 'implementation', which is not supported.", error.Message);
    }

    [Theory]
    [InlineData("""{"name":"enc","units":0}""", "units must be positive")]
    [InlineData("""{"name":"enc","units":4,"activation":"tanH"}""", "Unknown activation 'tanH'")]
    [InlineData("""{"name":"enc","units":4,"dropout":-1}""", "dropout must be in [0, 1]")]
    public void A_value_the_layer_refuses_is_a_file_error_naming_the_layer(string config, string reason)
    {
        WriteWithConfig(PathOf("value.rnn"), $$$"""{"class_name":"Sequential","config":{"name":"m","input_shape":[3,2],"layers":[{"class_name":"LSTM","config":{{{config}}}}]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("value.rnn")));
        Assert.StartsWith($"{PathOf("value.rnn")}: layer 'enc' (LSTM): ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_seed_that_is_not_an_integer_is_named()
    {
        // Found by the 1,000,000-input mutation run: a number turned into 1e308.
        WriteWithConfig(PathOf("seed.rnn"), """{"class_name":"Sequential","config":{"name":"m","input_shape":[3],"seed":1e308,"layers":[]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("seed.rnn")));
        Assert.Equal($"{PathOf("seed.rnn")}: model_config has an invalid seed 1e308 (an integer is expected).", error.Message);
    }

    [Fact]
    public void Duplicate_json_keys_are_a_file_error()
    {
        // Found by the 1,000,000-input mutation run: a bit flip made two index_word keys equal, and the JSON reader
        // only noticed (with an ArgumentException) when the object was first enumerated.
        WriteWithConfig(PathOf("dup.rnn"), """{"class_name":"Sequential","config":{"name":"m","name":"n","input_shape":[3],"layers":[]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("dup.rnn")));
        Assert.StartsWith($"{PathOf("dup.rnn")}: model_config is not valid JSON", error.Message);
    }

    [Fact]
    public void A_missing_weight_is_named()
    {
        WriteWithConfig(PathOf("empty.rnn"), """{"class_name":"Sequential","config":{"name":"m","input_shape":[3,2],"layers":[{"class_name":"GRU","config":{"name":"enc","units":4}}]}}""");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("empty.rnn")));
        Assert.Equal($"{PathOf("empty.rnn")}: weight 'enc/0/kernel' is missing.", error.Message);
    }

    [Fact]
    public void A_file_of_another_kind_is_refused()
    {
        File.WriteAllText(PathOf("text.rnn"), "hello, I am not a model");
        var error = Assert.Throws<InvalidModelFileException>(() => ModelFile.Load<float>(PathOf("text.rnn")));
        Assert.StartsWith(PathOf("text.rnn") + ":", error.Message);
    }

    [Fact]
    public void Safetensors_layout_is_the_documented_one()
    {
        SafeTensors.Write(PathOf("t.safetensors"), [("w", Tensor<float>.FromValues([1f, 2f], 2))], new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = File.ReadAllBytes(PathOf("t.safetensors"));
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd();
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal("""{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", header);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, 8 + (int)headerLength));
        var (tensors, metadata) = SafeTensors.Read<double>(PathOf("t.safetensors"));
        Assert.Equal([1.0, 2.0], tensors["w"].Data);
        Assert.Equal("v", metadata["k"]);
    }
}
