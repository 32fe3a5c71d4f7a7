using System.Numerics;
using System.Text.Json;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Recurrent.Tests.Golden;

namespace Recurrent.Tests.IO;

/// <summary>
/// PyTorch state_dict exchange against Fixtures/pytorch_exchange (tests/FixtureScripts/make_pytorch_exchange_fixtures.py):
/// imported weights give PyTorch's outputs, and exporting them gives back the state_dict PyTorch was shown to load.
/// </summary>
public class PyTorchStateDictTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-pytorch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch_exchange", file);

    // The stacks the fixture script builds in PyTorch, and which of our layers each PyTorch module holds.
    private static (Sequential<T> Model, PyTorchModuleMap Map) Build<T>(string name, bool build = true) where T : struct, IFloatingPointIeee754<T>
    {
        (Layer<T>[] layers, int[] inputShape, PyTorchModuleMap map) = name switch
        {
            "rnn_l2_bi" => (new Layer<T>[]
            {
                new Bidirectional<T>(new SimpleRnn<T>(5, returnSequences: true), name: "rnn0"),
                new Bidirectional<T>(new SimpleRnn<T>(5, returnSequences: true), name: "rnn1"),
                new Dense<T>(2, name: "head"),
            }, new[] { 5, 4 }, new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "head", "head" } }),
            "lstm_embedding_l2_bi" => (new Layer<T>[]
            {
                new Embedding<T>(12, 4, name: "embedding"),
                new Bidirectional<T>(new Lstm<T>(6, returnSequences: true), name: "rnn0"),
                new Bidirectional<T>(new Lstm<T>(6, returnSequences: true), name: "rnn1"),
                new TimeDistributed<T>(new Dense<T>(3), name: "head"),
            }, new[] { 5 }, new PyTorchModuleMap { { "embedding", "embedding" }, { "rnn", "rnn0", "rnn1" }, { "head", "head" } }),
            "gru_l2" => (new Layer<T>[]
            {
                new Gru<T>(5, returnSequences: true, name: "rnn0"),
                new Gru<T>(5, name: "rnn1"),
                new Dense<T>(1, name: "head"),
            }, new[] { 5, 3 }, new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "head", "head" } }),
            "lstm_nobias" => (new Layer<T>[]
            {
                new Lstm<T>(4, useBias: false, returnSequences: true, name: "rnn0"),
                new Dense<T>(2, useBias: false, name: "head"),
            }, new[] { 5, 3 }, new PyTorchModuleMap { { "rnn", "rnn0" }, { "head", "head" } }),
            _ => throw new ArgumentException(name),
        };
        return (new Sequential<T>(layers, build ? inputShape : null, seed: 1), map);
    }

    private static (GoldenTensor Input, GoldenTensor Output) Case(string name)
    {
        JsonElement root = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".json"))).RootElement;
        return (GoldenTensor.Read(root.GetProperty("input")), GoldenTensor.Read(root.GetProperty("output")));
    }

    public static TheoryData<string> Models => ["rnn_l2_bi", "lstm_embedding_l2_bi", "gru_l2", "lstm_nobias"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Imported_weights_give_pytorchs_outputs_in_double(string name) => CheckImport<double>(name, 1e-10);

    [Theory]
    [MemberData(nameof(Models))]
    public void Imported_weights_give_pytorchs_outputs_in_float(string name) => CheckImport<float>(name, 2e-6);

    private static void CheckImport<T>(string name, double tolerance) where T : struct, IFloatingPointIeee754<T>
    {
        var (model, map) = Build<T>(name);
        PyTorchStateDict.Load(model, Fixture(name + ".safetensors"), map);
        var (input, output) = Case(name);
        Compare.Close($"{name} output", output.Data, model.Predict(input.As<T>()).Span, tolerance, tolerance);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Export_writes_the_state_dict_pytorch_loads(string name)
    {
        var (model, map) = Build<float>(name);
        PyTorchStateDict.Load(model, Fixture(name + ".safetensors"), map);
        string path = Path.Combine(_folder, name + ".safetensors");
        PyTorchStateDict.Save(model, path, map);

        var (actual, metadata) = SafeTensors.Read<float>(path);
        var expected = SafeTensors.Read<float>(Fixture(name + ".export.safetensors")).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, tensor) in expected)
        {
            Assert.Equal(tensor.Shape.ToArray(), actual[key].Shape.ToArray());
            Assert.True(tensor.Data.SequenceEqual(actual[key].Data), $"{key}: exported values differ from the folded PyTorch state_dict");
        }
        Assert.Equal("pt", metadata["format"]);
    }

    [Fact]
    public void Unbuilt_layers_are_built_from_the_tensors()
    {
        var (model, map) = Build<double>("gru_l2", build: false);
        PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), map);
        model.Build(5, 3);
        var (input, output) = Case("gru_l2");
        Compare.Close("gru_l2 output", output.Data, model.Predict(input.As<double>()).Span, 1e-10, 1e-10);
    }

    [Fact]
    public void A_wrong_module_prefix_names_the_missing_tensor_and_what_the_file_has()
    {
        var (model, _) = Build<float>("gru_l2");
        var error = Assert.Throws<InvalidModelFileException>(() =>
            PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), new PyTorchModuleMap { { "gru", "rnn0", "rnn1" }, { "head", "head" } }));
        Assert.Contains("tensor 'gru.weight_ih_l0' for layer 'rnn0' is missing (no tensor starts with 'gru.'; the file has: head.bias, head.weight, rnn.bias_hh_l0", error.Message);
        Assert.StartsWith(Fixture("gru_l2.safetensors"), error.Message);
    }

    [Fact]
    public void A_mis_shaped_tensor_is_named_with_both_shapes()
    {
        var model = new Sequential<float>([new Gru<float>(4, returnSequences: true, name: "rnn0"), new Gru<float>(4, name: "rnn1"), new Dense<float>(1, name: "head")], [5, 3]);
        var error = Assert.Throws<InvalidModelFileException>(() =>
            PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "head", "head" } }));
        Assert.EndsWith("tensor 'rnn.weight_ih_l0' has shape [15, 3], layer 'rnn0' needs [12, 3].", error.Message);
    }

    [Fact]
    public void Tensors_left_over_are_an_error_unless_not_strict()
    {
        var model = new Sequential<double>([new Gru<double>(5, returnSequences: true, name: "rnn0"), new Gru<double>(5, name: "rnn1")], [5, 3]);
        var map = new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" } };
        var error = Assert.Throws<InvalidModelFileException>(() => PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), map));
        Assert.EndsWith("2 tensor(s) not used by the map: head.bias, head.weight (map their modules, or pass strict: false).", error.Message);

        PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), map, strict: false);
        // PyTorch row 5 is the first unit of the update gate z, Keras' first column block.
        Assert.Equal(SafeTensors.Read<double>(Fixture("gru_l2.safetensors")).Tensors["rnn.weight_hh_l1"][5, 0], model.Layers[1].GetWeights()[1][0, 0]);
    }

    [Fact]
    public void An_unmapped_layer_with_weights_is_an_error_when_strict()
    {
        var (model, _) = Build<float>("gru_l2");
        var error = Assert.Throws<ArgumentException>(() => PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" } }));
        Assert.Equal("Layer 'head' (Dense) has weights but no PyTorch module is mapped to it (map it, or pass strict: false).", error.Message);
    }

    [Fact]
    public void Biases_must_match_use_bias_both_ways()
    {
        var withBias = new Sequential<float>([new Lstm<float>(4, returnSequences: true, name: "rnn0"), new Dense<float>(2, useBias: false, name: "head")], [5, 3]);
        var missing = Assert.Throws<InvalidModelFileException>(() =>
            PyTorchStateDict.Load(withBias, Fixture("lstm_nobias.safetensors"), new PyTorchModuleMap { { "rnn", "rnn0" }, { "head", "head" } }));
        Assert.Contains("tensor 'rnn.bias_ih_l0' for layer 'rnn0' is missing", missing.Message);

        var withoutBias = new Sequential<float>([new Gru<float>(5, useBias: false, returnSequences: true, name: "rnn0"), new Gru<float>(5, useBias: false, name: "rnn1"), new Dense<float>(1, name: "head")], [5, 3]);
        var extra = Assert.Throws<InvalidModelFileException>(() =>
            PyTorchStateDict.Load(withoutBias, Fixture("gru_l2.safetensors"), new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "head", "head" } }, strict: false));
        Assert.EndsWith("tensor 'rnn.bias_ih_l0' exists but layer 'rnn0' has no bias (use_bias=false); configure the layer with a bias.", extra.Message);
    }

    [Fact]
    public void A_reset_before_gru_has_no_pytorch_form()
    {
        var model = new Sequential<float>([new Gru<float>(5, resetAfter: false, returnSequences: true, name: "rnn0"), new Gru<float>(5, resetAfter: false, name: "rnn1"), new Dense<float>(1, name: "head")], [5, 3]);
        var map = new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "head", "head" } };
        const string Expected = "Layer 'rnn0' is a reset-before GRU (reset_after=False); PyTorch's nn.GRU is reset-after, so no state_dict holds it.";
        Assert.Equal(Expected, Assert.Throws<ArgumentException>(() => PyTorchStateDict.Load(model, Fixture("gru_l2.safetensors"), map)).Message);
        Assert.Equal(Expected, Assert.Throws<ArgumentException>(() => PyTorchStateDict.Save(model, Path.Combine(_folder, "gru.safetensors"), map)).Message);
    }

    [Fact]
    public void Layers_one_module_cannot_hold_are_refused()
    {
        var model = new Sequential<float>([new Lstm<float>(4, returnSequences: true, name: "a"), new Gru<float>(4, name: "b")], [5, 3]);
        var error = Assert.Throws<ArgumentException>(() =>
            PyTorchStateDict.Save(model, Path.Combine(_folder, "x.safetensors"), new PyTorchModuleMap { { "rnn", "a", "b" } }));
        Assert.Equal("PyTorch module 'rnn': layers 'a' and 'b' differ in type, units, bias or direction, which one nn.LSTM cannot hold.", error.Message);
        var unknown = Assert.Throws<ArgumentException>(() =>
            PyTorchStateDict.Save(model, Path.Combine(_folder, "x.safetensors"), new PyTorchModuleMap { { "rnn", "lstm" } }));
        Assert.Equal("PyTorch module 'rnn' is mapped to layer 'lstm', which model 'sequential' does not have (layers: a, b).", unknown.Message.Replace(model.Name, "sequential"));
    }
}
