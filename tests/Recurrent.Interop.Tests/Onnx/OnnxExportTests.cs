using System.Diagnostics;
using Recurrent.Interop.Onnx;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Xunit.Abstractions;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>Exported graphs run in ONNX Runtime give our model's outputs.</summary>
public class OnnxExportTests(ITestOutputHelper log) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Each case: layers, input shape without the batch axis (−1: any number of steps), and whether inputs are ids.
    private static (Layer<float>[] Layers, int[] InputShape, bool Ids) Case(string name) => name switch
    {
        "simple_rnn" => ([new SimpleRnn<float>(5), new Dense<float>(2)], [-1, 4], false),
        "lstm_stacked_softmax" => ([new Lstm<float>(6, returnSequences: true), new Lstm<float>(6), new Dense<float>(3, "softmax")], [-1, 4], false),
        "gru_bidirectional_stacked" => ([new Bidirectional<float>(new Gru<float>(4, returnSequences: true)), new Bidirectional<float>(new Gru<float>(4)),
            new Dense<float>(1, "sigmoid")], [-1, 4], false),
        "gru_reset_before_time_distributed" => ([new Gru<float>(5, resetAfter: false, returnSequences: true),
            new TimeDistributed<float>(new Dense<float>(3)), new ActivationLayer<float>("softmax")], [-1, 4], false),
        "embedding_bidirectional_sum" => ([new Embedding<float>(20, 4), new Bidirectional<float>(new Lstm<float>(5, returnSequences: true), MergeMode.Sum),
            new Dropout<float>(0.3), new Dense<float>(2)], [-1], true),
        "go_backwards" => ([new Lstm<float>(4, goBackwards: true, returnSequences: true), new SimpleRnn<float>(3, "relu", goBackwards: true, returnSequences: true),
            new Dense<float>(2, "tanh")], [-1, 4], false),
        "no_bias_ave_mul" => ([new Bidirectional<float>(new SimpleRnn<float>(3, useBias: false, returnSequences: true), MergeMode.Ave),
            new Bidirectional<float>(new Gru<float>(3, useBias: false, returnSequences: true), MergeMode.Mul),
            new TimeDistributed<float>(new Dense<float>(2, "swish", useBias: false))], [-1, 4], false),
        "activations" => ([new Gru<float>(4, returnSequences: true), new Dense<float>(6, "elu"), new ActivationLayer<float>("selu"),
            new Dense<float>(4, "softsign"), new ActivationLayer<float>("hard_sigmoid"), new Dense<float>(5, "softplus"),
            new ActivationLayer<float>("hard_sigmoid_legacy"), new Dense<float>(3, "relu")], [-1, 4], false),
        _ => throw new ArgumentException(name),
    };

    private static readonly string[] Names = ["simple_rnn", "lstm_stacked_softmax", "gru_bidirectional_stacked", "gru_reset_before_time_distributed",
        "embedding_bidirectional_sum", "go_backwards", "no_bias_ave_mul", "activations"];

    public static TheoryData<string> Cases => new(Names);

    private static Sequential<float> Model(string name)
    {
        var (layers, shape, _) = Case(name);
        return new Sequential<float>(layers, shape, seed: 7);
    }

    private static Tensor<float> Input(int batch, int steps, int features, bool ids, int seed, int vocabulary = 20)
    {
        var random = new Random(seed);
        var x = ids ? Tensor<float>.Zeros(batch, steps) : Tensor<float>.Zeros(batch, steps, features);
        for (int i = 0; i < x.Length; i++) x.Span[i] = ids ? random.Next(vocabulary) : (float)(random.NextDouble() * 4 - 2);
        return x;
    }

    private double CheckClose(string what, ReadOnlySpan<float> expected, (int[] Shape, float[] Data) actual, int[] expectedShape)
    {
        Assert.Equal(expectedShape, actual.Shape);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual.Data[i]);
            Assert.True(error <= Tolerance * (1 + Math.Abs(expected[i])), $"{what}[{i}]: ours {expected[i]}, ONNX Runtime {actual.Data[i]}");
            worst = Math.Max(worst, error);
        }
        log.WriteLine($"{what}: max |ours − ONNX Runtime| = {worst:E2}");
        return worst;
    }

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

    /// <summary>onnx.checker (python3-onnx) accepts every export; needs /usr/bin/python3 with the onnx module.</summary>
    [Fact]
    public void Exports_pass_the_official_onnx_checker()
    {
        foreach (string name in Names)
            OnnxExporter.Export(Model(name), Path.Combine(_folder, name + ".onnx"));
        string script = Path.Combine(AppContext.BaseDirectory, "check_onnx.py");
        var start = new ProcessStartInfo("/usr/bin/python3", [script, _folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        log.WriteLine(output);
        Assert.True(process.ExitCode == 0, $"onnx.checker failed (apt-get install -y python3-onnx if the module is missing):\n{output}");
        Assert.Contains($"{Names.Length} models pass onnx.checker", output);
    }
}
