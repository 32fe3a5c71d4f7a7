using Recurrent.Interop.Onnx;
using Recurrent.Interop.Tests.Onnx;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Xunit.Abstractions;

namespace Recurrent.Acceptance;

/// <summary>Torch modules with random weights made once by <c>pytorch_round_trip.py make</c>, in a temporary folder.</summary>
public sealed class PyTorchModels : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("recurrent-torch-").FullName;

    public string Log { get; }

    public PyTorchModels()
    {
        var (code, output) = Python.Run("pytorch_round_trip.py", "make", Folder);
        Log = output;
        if (code != 0) throw new InvalidOperationException($"pytorch_round_trip.py make failed (apt-get install -y python3-torch python3-onnx?):\n{output}");
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// Acceptance 5 and 4 against real PyTorch: our models' state_dict exports run in torch.nn modules, PyTorch's
/// state_dicts run in our models, and torch.onnx.export graphs run after OnnxImporter, all to the same outputs
/// within 1e-5: LSTM + Dense, Embedding + bidirectional GRU + Dense, 2-layer RNN + Dense on every step.
/// </summary>
public class PyTorchRoundTripTests(PyTorchModels torch, ITestOutputHelper log) : IClassFixture<PyTorchModels>
{
    private const double Tolerance = 1e-5;

    private static readonly string[] Models = ["lstm_dense", "gru_bi_embedding_dense", "rnn_l2_dense_sequence"];

    public static TheoryData<string> Names => new(Models);

    // Our model NAME and the PyTorch modules its layers are (pytorch_round_trip.py's Network: embedding, rnn, linear).
    private static (Sequential<float> Model, PyTorchModuleMap Map, bool Ids) Ours(string name) => name switch
    {
        "lstm_dense" => (new Sequential<float>([new Lstm<float>(6, name: "lstm"), new Dense<float>(3, name: "dense")], [-1, 4]),
            new PyTorchModuleMap { { "rnn", "lstm" }, { "linear", "dense" } }, false),
        "gru_bi_embedding_dense" => (new Sequential<float>([new Embedding<float>(12, 5, name: "embedding"), new Bidirectional<float>(new Gru<float>(4), name: "gru"),
            new Dense<float>(2, name: "dense")], [-1]), new PyTorchModuleMap { { "embedding", "embedding" }, { "rnn", "gru" }, { "linear", "dense" } }, true),
        _ => (new Sequential<float>([new SimpleRnn<float>(5, returnSequences: true, name: "rnn0"), new SimpleRnn<float>(5, returnSequences: true, name: "rnn1"),
            new Dense<float>(2, name: "dense")], [-1, 4]), new PyTorchModuleMap { { "rnn", "rnn0", "rnn1" }, { "linear", "dense" } }, false),
    };

    private void CheckClose(string what, Tensor<float> expected, Tensor<float> actual) =>
        Outputs.AssertClose($"{what} torch vs ours", expected.Shape.ToArray(), expected.Span, actual.Shape.ToArray(), actual.Span, Tolerance, log);

    [Fact]
    public void Our_state_dict_exports_run_alike_in_torch_modules()
    {
        string folder = Path.Combine(torch.Folder, "ours");
        Directory.CreateDirectory(folder);
        foreach (string name in Models)
        {
            var (model, map, ids) = Ours(name);
            var random = new Random(11);
            foreach (Layer<float> layer in model.Layers)   // every weight random, biases too
                layer.SetWeights(layer.GetWeights().Select(w => new Tensor<float>(w.Data.Select(_ => (float)(random.NextDouble() * 1.2 - 0.6)).ToArray(), w.Shape.ToArray())).ToArray());
            var cases = new[] { (2, 5, 1), (4, 8, 2) }.Select(s => OnnxExportCases.RandomInput(s.Item1, s.Item2, ids ? null : 4, s.Item3, vocabulary: 12))
                .Select(x => (x, model.Predict(x))).ToList();
            PyTorchStateDict.Save(model, Path.Combine(folder, name + ".ours.safetensors"), map);
            TensorJson.WriteCases(Path.Combine(folder, name + ".ours.json"), cases);
        }
        var (code, output) = Python.Run("pytorch_round_trip.py", "check", folder);
        log.WriteLine(output);
        Assert.True(code == 0, $"torch disagrees with our exports:\n{output}");
        Assert.Contains("3 models checked, 0 failures", output);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Torch_state_dicts_load_into_our_models_and_run_alike(string name)
    {
        var (model, map, _) = Ours(name);
        PyTorchStateDict.Load(model, Path.Combine(torch.Folder, name + ".torch.safetensors"), map);
        foreach (var (input, output) in TensorJson.ReadCases(Path.Combine(torch.Folder, name + ".torch.json")))
            CheckClose($"{name} state_dict {string.Join("×", input.Shape.ToArray())}", output, model.Predict(input));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Torch_onnx_exports_import_and_run_alike_at_any_batch_and_length(string name)
    {
        Sequential<float> model = OnnxImporter.Import(Path.Combine(torch.Folder, name + ".onnx"));
        foreach (var (input, output) in TensorJson.ReadCases(Path.Combine(torch.Folder, name + ".torch.json")))
            CheckClose($"{name} ONNX {string.Join("×", input.Shape.ToArray())}", output, model.Predict(input));
    }
}
