using Recurrent.Interop.Onnx;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Xunit.Abstractions;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>
/// Graphs written by torch.onnx.export (tests/FixtureScripts/make_onnx_import_fixtures.py) and by our exporter import
/// into Sequential models that compute the same outputs.
/// </summary>
public class OnnxImportTests(ITestOutputHelper log)
{
    private const double Tolerance = 1e-5;

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", name);

    public static TheoryData<string> PyTorchModels => new(Directory.GetFiles(FixturePath(""), "*.onnx").Select(Path.GetFileNameWithoutExtension).Order()!);

    public static TheoryData<string> ExportCases => new(OnnxExportCases.Names);

    private double Worst(string what, Tensor<float> expected, Tensor<float> actual) =>
        Outputs.AssertClose(what, expected.Shape.ToArray(), expected.Span, actual.Shape.ToArray(), actual.Span, Tolerance, log);

    [Theory]
    [MemberData(nameof(PyTorchModels))]
    public void PyTorch_exports_reproduce_pytorch_outputs_at_two_batch_sizes_and_lengths(string name)
    {
        Sequential<float> model = OnnxImporter.Import(FixturePath(name + ".onnx"));
        log.WriteLine(model.Summary());
        int shapes = 0;
        foreach (var (input, output) in TensorJson.ReadCases(FixturePath(name + ".json")))
        {
            Worst($"{name} {string.Join("×", input.Shape.ToArray())}", output, model.Predict(input));
            shapes++;
        }
        Assert.Equal(2, shapes);
    }

    [Fact]
    public void PyTorch_models_become_the_keras_layers_they_compute()
    {
        string Layers(string name) => string.Join(", ", OnnxImporter.Import(FixturePath(name + ".onnx")).Layers.Select(Describe));
        Assert.Equal("Embedding 12×5, Bidirectional(GRU 4 reset_after final) concat, Dense 2 linear", Layers("gru_bi_embedding_h_n"));
        Assert.Equal("LSTM 5 sequences, LSTM 5 sequences, Dense 3 softmax", Layers("lstm_l2_sequence_softmax"));
        Assert.Equal("SimpleRNN 5 final, Dense 1 sigmoid", Layers("rnn_tanh_h_n_sigmoid"));
        Assert.Equal("Bidirectional(LSTM 4 sequences) concat, Bidirectional(LSTM 4 final) concat, Dense 2 tanh", Layers("lstm_l2_bi_h_n_tanh"));
    }

    private static string Describe(Layer<float> layer) => layer switch
    {
        Embedding<float> e => $"Embedding {e.InputDim}×{e.OutputDim}",
        Bidirectional<float> b => $"Bidirectional({Describe(b.ForwardLayer)}) {b.MergeMode.ToString().ToLowerInvariant()}",
        Gru<float> g => $"GRU {g.Units}{(g.ResetAfter ? " reset_after" : "")} {(g.ReturnSequences ? "sequences" : "final")}",
        RecurrentLayer<float> r => $"{r.TypeName} {r.Units} {(r.ReturnSequences ? "sequences" : "final")}",
        Dense<float> d => $"Dense {d.Units} {d.Activation.Name}",
        _ => layer.TypeName,
    };

    [Theory]
    [MemberData(nameof(ExportCases))]
    public void Our_exports_import_back_to_the_same_outputs(string name)
    {
        Sequential<float> original = OnnxExportCases.Model(name);
        Sequential<float> imported = OnnxImporter.FromBytes(OnnxExporter.ToBytes(original), name);
        Assert.Equal(original.Layers.Sum(l => l.Parameters.Sum(p => p.Value.Length)), imported.Layers.Sum(l => l.Parameters.Sum(p => p.Value.Length)));
        foreach (var (batch, steps, seed) in new[] { (3, 7, 1), (2, 4, 2) })
        {
            Tensor<float> x = OnnxExportCases.Input(name, batch, steps, seed);
            Worst($"{name} {batch}×{steps}", original.Predict(x), imported.Predict(x));
        }
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "gru_bi_last_step", "node '/Gather' (Gather): the last step of bidirectional node '/rnn/GRU' holds the backward direction's first step, which no Keras layer returns; use the final states (cat(h_n[-2], h_n[-1]))." },
        { "lstm_time_major", "node '/rnn/LSTM' (LSTM): it reads [batch, time, 4]; ONNX's recurrent operators are time-major [time, batch, features], so the graph must transpose a batch-first input (torch: batch_first=True)." },
        // GELU exports as x·(1 + erf(x/√2))/2; the first node that is not a recognised pattern is named.
        { "lstm_gelu", "node '/Div' (Div): operator Div is not imported (see docs/interop-pytorch-onnx.md for what is)." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Graphs_outside_the_recognised_patterns_are_refused_naming_the_node(string name, string message)
    {
        string path = FixturePath(Path.Combine("refused", name + ".onnx"));
        var error = Assert.Throws<NotSupportedException>(() => OnnxImporter.Import(path));
        Assert.Equal($"{path}: {message}", error.Message);
    }
}
