using Recurrent.Interop.Onnx;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Xunit.Abstractions;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>Exported graphs run in ONNX Runtime give our model's outputs.</summary>
public class OnnxExportTests(ITestOutputHelper log) : IDisposable
{
    private static (Layer<float>[] Layers, int[] InputShape, bool Ids) Case(string name) => OnnxExportCases.Case(name);
    private static Sequential<float> Model(string name) => OnnxExportCases.Model(name);
    public static TheoryData<string> Cases => new(OnnxExportCases.Names);

    private const double Tolerance = 1e-5;
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Tensor<float> Input(int batch, int steps, int features, bool ids, int seed) =>
        OnnxExportCases.RandomInput(batch, steps, ids ? null : features, seed);

    private double CheckClose(string what, ReadOnlySpan<float> expected, (int[] Shape, float[] Data) actual, int[] expectedShape) =>
        Outputs.AssertClose($"{what} ours vs ONNX Runtime", expectedShape, expected, actual.Shape, actual.Data, Tolerance, log);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_runtime_gives_our_outputs_for_any_batch_and_length(string name)
    {
        Sequential<float> model = Model(name);
        bool ids = Case(name).Ids;
        string path = Path.Combine(_folder, name + ".onnx");
        OnnxExporter.Export(model, path);
        byte[] onnx = File.ReadAllBytes(path);
        foreach (var (batch, steps, seed) in new[] { (3, 7, 1), (1, 2, 2), (5, 11, 3) })
        {
            Tensor<float> x = Input(batch, steps, 4, ids, seed);
            Tensor<float> expected = model.Predict(x);
            CheckClose($"{name} B={batch} T={steps}", expected.Span, OnnxRuntimeRunner.Run(onnx, x, ids)["output"], expected.Shape.ToArray());
        }
    }

    [Fact]
    public void Return_state_layers_add_their_final_states_as_outputs_in_keras_order()
    {
        var layer = new Bidirectional<float>(new Lstm<float>(4, returnSequences: true, returnState: true), name: "encoder");
        var model = new Sequential<float>([layer, new Gru<float>(3, returnState: true, name: "decoder")], [-1, 4], seed: 3);
        Tensor<float> x = Input(2, 6, 4, ids: false, seed: 4);
        var outputs = OnnxRuntimeRunner.Run(OnnxExporter.ToBytes(model), x, ids: false);

        RecurrentOutput<float> encoder = layer.ForwardSequence(x);
        RecurrentOutput<float> decoder = ((RecurrentLayer<float>)model.Layers[1]).ForwardSequence(encoder.Output);
        Assert.Equal(["output", "encoder_state_0", "encoder_state_1", "encoder_state_2", "encoder_state_3", "decoder_state_0"], outputs.Keys);
        for (int k = 0; k < 4; k++) CheckClose($"encoder state {k}", encoder.States[k].Span, outputs[$"encoder_state_{k}"], [2, 4]);
        CheckClose("decoder state", decoder.States[0].Span, outputs["decoder_state_0"], [2, 3]);
    }

    [Fact]
    public void A_double_model_is_exported_in_float()
    {
        var model = new Sequential<double>([new Lstm<double>(4), new Dense<double>(2)], [-1, 3], seed: 5);
        var x = Input(2, 5, 3, ids: false, seed: 6);
        Tensor<double> expected = model.Predict(x.Cast<double>());
        CheckClose("double lstm", expected.Cast<float>().Span, OnnxRuntimeRunner.Run(OnnxExporter.ToBytes(model), x, ids: false)["output"], [2, 2]);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "mask_zero", "ONNX export: layer 'embedding' (Embedding): mask_zero: ONNX's recurrent operators skip only trailing padding (sequence_lens), a Keras mask any step." },
        { "masking", "ONNX export: layer 'masking' (Masking): Masking layers are not exported" },
        { "merge_none", "ONNX export: layer 'bidirectional' (Bidirectional): merge_mode none has two outputs; a Sequential passes on one." },
        { "hard_sigmoid_gate", "ONNX export: layer 'lstm' (LSTM): activation 'hard_sigmoid' has no form in ONNX's recurrent operators here (tanh, sigmoid, relu)." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Unsupported_layers_are_refused_by_name(string which, string message)
    {
        Layer<float>[] layers = which switch
        {
            "mask_zero" => [new Embedding<float>(10, 3, maskZero: true, name: "embedding"), new Lstm<float>(2)],
            "masking" => [new Masking<float>(name: "masking"), new Lstm<float>(2)],
            "merge_none" => [new Bidirectional<float>(new Lstm<float>(2), MergeMode.None, name: "bidirectional")],
            _ => [new Lstm<float>(2, recurrentActivation: "hard_sigmoid", name: "lstm")],
        };
        var model = new Sequential<float>(layers, which == "mask_zero" ? [-1] : [-1, 3]);
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, Path.Combine(_folder, "refused.onnx")));
        Assert.StartsWith(message, error.Message);
        Assert.False(File.Exists(Path.Combine(_folder, "refused.onnx")));
    }

    [Fact]
    public void An_unbuilt_model_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OnnxExporter.ToBytes(new Sequential<float>([new Lstm<float>(2)], name: "unbuilt")));
        Assert.Equal("Model 'unbuilt' is not built; build or train it before exporting.", error.Message);
    }
}
