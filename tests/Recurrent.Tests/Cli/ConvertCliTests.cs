using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Tests.Cli;

/// <summary>`recurrent convert` between our model file, ONNX and PyTorch state_dicts; predict and summary on ONNX files.</summary>
public sealed class ConvertCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-convert-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int Code, string Output, string Error) Run(params string[] args) => CliRun.Run(args);

    // A bidirectional GRU + LSTM + Dense network saved as our model file, and an input for it as JSON.
    private (string Model, string Input) Network()
    {
        var model = new Sequential<float>([new Bidirectional<float>(new Gru<float>(4, returnSequences: true), name: "encoder"),
            new Lstm<float>(3, name: "decoder"), new Dense<float>(2, "softmax", name: "head")], [-1, 3], seed: 4);
        ModelFile.Save(PathOf("net.rnn"), model);
        var random = new Random(2);
        var x = new Tensor<float>(Enumerable.Range(0, 2 * 6 * 3).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray(), 2, 6, 3);
        File.WriteAllText(PathOf("x.json"), $"{{\"shape\": [2, 6, 3], \"data\": [{string.Join(", ", x.Data.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]}}");
        return (PathOf("net.rnn"), PathOf("x.json"));
    }


    private float[] Predict(string model, string input, string name)
    {
        var predicted = Run("predict", "--model", model, "--input", input, "--output", PathOf(name));
        Assert.True(predicted.Code == 0, predicted.Error);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(PathOf(name)));
        Assert.Equal([2, 2], json.RootElement.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        return json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    // Same weights, same outputs; up to rounding, because other tests may change the GEMM's thread split meanwhile.
    private static void AssertSame(float[] expected, float[] actual) =>
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-6, $"{pair.First} vs {pair.Second}"));

    [Fact]
    public void Onnx_files_convert_both_ways_and_predict_and_summarise_directly()
    {
        var (model, input) = Network();
        var converted = Run("convert", model, PathOf("net.onnx"));
        Assert.True(converted.Code == 0, converted.Error);
        Assert.StartsWith($"wrote {PathOf("net.onnx")} (3 layers", converted.Output);
        Assert.Equal(0, Run("convert", PathOf("net.onnx"), PathOf("back.rnn")).Code);

        float[] expected = Predict(model, input, "ours.json");
        AssertSame(expected, Predict(PathOf("net.onnx"), input, "onnx.json"));
        AssertSame(expected, Predict(PathOf("back.rnn"), input, "back.json"));

        var summary = Run("summary", "--model", PathOf("net.onnx"));
        Assert.True(summary.Code == 0, summary.Error);
        Assert.Contains("bidirectional", summary.Output);   // the type may be cut off when the generated name is long
        Assert.Contains("(LSTM)", summary.Output);
        CliRun.AssertBadInput(Run("predict", "--model", PathOf("net.onnx"), "--text", "hello"), "predict from it with --input");
    }

    [Fact]
    public void State_dicts_convert_with_the_architecture_of_a_model_file()
    {
        var (model, input) = Network();
        Assert.Equal(0, Run("convert", model, PathOf("net.safetensors")).Code);
        var tensors = SafeTensors.Read<float>(PathOf("net.safetensors")).Tensors;
        Assert.Contains("encoder.weight_ih_l0_reverse", tensors.Keys);
        Assert.Contains("head.weight", tensors.Keys);

        // The weights of net.safetensors into a differently initialised model of the same layers.
        var other = new Sequential<float>([new Bidirectional<float>(new Gru<float>(4, returnSequences: true), name: "encoder"),
            new Lstm<float>(3, name: "decoder"), new Dense<float>(2, "softmax", name: "head")], [-1, 3], seed: 99);
        ModelFile.Save(PathOf("other.rnn"), other);
        var converted = Run("convert", PathOf("net.safetensors"), PathOf("loaded.rnn"), "--like", PathOf("other.rnn"));
        Assert.True(converted.Code == 0, converted.Error);
        AssertSame(Predict(model, input, "ours.json"), Predict(PathOf("loaded.rnn"), input, "loaded.json"));

        // PyTorch's own module names: one nn.GRU, one nn.LSTM, one nn.Linear.
        Assert.Equal(0, Run("convert", model, PathOf("torch.safetensors"), "--map", "rnn=encoder", "--map", "lstm=decoder", "--map", "fc=head").Code);
        Assert.Contains("fc.bias", SafeTensors.Read<float>(PathOf("torch.safetensors")).Tensors.Keys);
        Assert.Equal(0, Run("convert", PathOf("torch.safetensors"), PathOf("mapped.rnn"), "--like", PathOf("other.rnn"),
            "--map", "rnn=encoder", "--map", "lstm=decoder", "--map", "fc=head").Code);
        AssertSame(Predict(model, input, "ours.json"), Predict(PathOf("mapped.rnn"), input, "mapped.json"));
    }

    [Fact]
    public void Missing_architecture_keras_files_and_bad_maps_are_one_line_errors()
    {
        var (model, _) = Network();
        Assert.Equal(0, Run("convert", model, PathOf("net.safetensors")).Code);
        CliRun.AssertBadInput(Run("convert", PathOf("net.safetensors"), PathOf("x.rnn")), "give the architecture with --like MODEL");
        File.WriteAllBytes(PathOf("model.h5"), [0x89, 0x48, 0x44, 0x46]);
        CliRun.AssertBadInput(Run("convert", PathOf("model.h5"), PathOf("x.rnn")), $"{PathOf("model.h5")}: ");
        CliRun.AssertBadInput(Run("convert", model, PathOf("x.safetensors"), "--map", "rnn"), "expected MODULE=LAYER");
        CliRun.AssertBadInput(Run("convert", PathOf("missing.onnx"), PathOf("x.rnn")), "missing.onnx: no such model file");
    }
}
