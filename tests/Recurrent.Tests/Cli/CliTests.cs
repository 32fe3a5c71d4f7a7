using System.Text;
using Recurrent.Applications;

namespace Recurrent.Tests.Cli;

/// <summary>The `recurrent` command in-process: results, exit codes and one-line error messages.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int Code, string Output, string Error) Run(params string[] args) => CliRun.Run(args);

    private string SentimentFile(string name, int count, int seed)
    {
        var (texts, labels) = DemoData.Sentiment(count, seed);
        var content = new StringBuilder("text\tlabel\n");
        for (int i = 0; i < count; i++) content.Append(texts[i]).Append('\t').Append(labels[i]).Append('\n');
        File.WriteAllText(PathOf(name), content.ToString());
        return PathOf(name);
    }

    private string SeriesFile(string name, int count)
    {
        var content = new StringBuilder("\"Month\",\"Value\"\r\n");
        for (int i = 0; i < count; i++) content.Append($"\"m{i}\",{DemoData.AirlinePassengers[i % 144]}").Append(i < count - 1 ? "\r\n" : "");
        File.WriteAllText(PathOf(name), content.ToString());
        return PathOf(name);
    }


    [Fact]
    public void Classify_trains_saves_predicts_evaluates_and_summarises()
    {
        string train = SentimentFile("train.tsv", 300, 1), test = SentimentFile("test.tsv", 60, 2), model = PathOf("s.rnn");
        var trained = Run("train", "classify", "--data", train, "--test-data", test, "--model", model, "--units", "16",
            "--epochs", "15", "--lr", "0.01", "--quiet", "--json", PathOf("metrics.json"), "--plot", PathOf("loss.png"));
        Assert.True(trained.Code == 0, trained.Error);
        Assert.Contains("test", trained.Output);
        Assert.Contains("\"test\"", File.ReadAllText(PathOf("metrics.json")));
        Assert.True(new FileInfo(PathOf("loss.png")).Length > 1000);

        var predicted = Run("predict", "--model", model, "--text", "i am very happy");
        Assert.Equal(0, predicted.Code);
        Assert.StartsWith("1\t", predicted.Output);

        var evaluated = Run("evaluate", "--model", model, "--data", test, "--json", PathOf("eval.json"));
        Assert.Equal(0, evaluated.Code);
        Assert.Contains("accuracy", File.ReadAllText(PathOf("eval.json")));

        var summary = Run("summary", "--model", model);
        Assert.Equal(0, summary.Code);
        Assert.Contains("(Embedding)", summary.Output);
        Assert.Contains("application: classify", summary.Output);
    }

    [Fact]
    public void Generate_is_deterministic_when_greedy_and_reproducible_when_seeded()
    {
        File.WriteAllText(PathOf("text.txt"), DemoData.Rhymes(4000, 1));
        string model = PathOf("g.rnn");
        var trained = Run("train", "generate", "--data", PathOf("text.txt"), "--seq-length", "32", "--units", "32", "--epochs", "3", "--quiet", "--model", model);
        Assert.True(trained.Code == 0, trained.Error);
        string Generate(params string[] extra) => Run(["generate", "--model", model, "--prompt", "The ", "--length", "40", .. extra]).Output;
        Assert.Equal(Generate("--temperature", "0"), Generate("--temperature", "0"));
        Assert.Equal(Generate("--seed", "5"), Generate("--seed", "5"));
        Assert.StartsWith("The ", Generate("--temperature", "0"));
    }

    [Fact]
    public void Forecast_trains_reports_the_baseline_and_forecasts()
    {
        string data = SeriesFile("series.csv", 60), model = PathOf("f.rnn");
        var trained = Run("train", "forecast", "--data", data, "--column", "Value", "--window", "6", "--test-size", "6",
            "--log", "--difference", "--units", "8", "--epochs", "5", "--quiet", "--json", PathOf("f.json"), "--model", model);
        Assert.True(trained.Code == 0, trained.Error);
        Assert.Contains("baseline_rmse", File.ReadAllText(PathOf("f.json")));
        var forecast = Run("forecast", "--model", model, "--data", data, "--steps", "3", "--plot", PathOf("f.png"));
        Assert.Equal(0, forecast.Code);
        Assert.Equal(3, forecast.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(File.Exists(PathOf("f.png")));
    }

    [Fact]
    public void A_checkpointed_run_removes_its_backup_and_an_unfinished_backup_needs_resume()
    {
        string data = SeriesFile("series.csv", 40), checkpoints = PathOf("checkpoints");
        string[] train = ["train", "forecast", "--data", data, "--column", "Value", "--window", "4", "--epochs", "2", "--quiet", "--model", PathOf("c.rnn"),
            "--checkpoint-dir", checkpoints, "--checkpoint-every", "2"];
        var finished = Run(train);
        Assert.True(finished.Code == 0, finished.Error);
        Assert.Empty(Directory.GetFiles(checkpoints));

        File.WriteAllText(Path.Combine(checkpoints, "backup.safetensors"), "left by a killed run");
        CliRun.AssertBadInput(Run(train), "add --resume to continue it");
        CliRun.AssertBadInput(Run([.. train, "--resume"]), "backup.safetensors: ");   // and a damaged backup is named
        CliRun.AssertBadInput(Run("train", "forecast", "--data", data, "--column", "Value", "--model", PathOf("c.rnn"), "--resume"), "need --checkpoint-dir");
    }

    [Fact]
    public void Predict_runs_the_network_on_a_raw_tensor_from_json_or_npy()
    {
        string data = SeriesFile("series.csv", 40), model = PathOf("f.rnn");
        Assert.Equal(0, Run("train", "forecast", "--data", data, "--column", "Value", "--window", "4", "--epochs", "1", "--quiet", "--model", model).Code);
        File.WriteAllText(PathOf("x.json"), """{"shape": [1, 4, 1], "data": [0.1, 0.2, 0.3, 0.4]}""");
        var fromJson = Run("predict", "--model", model, "--input", PathOf("x.json"), "--output", PathOf("y.json"));
        Assert.True(fromJson.Code == 0, fromJson.Error);
        Assert.StartsWith("{\"shape\":[1,1],\"data\":[", File.ReadAllText(PathOf("y.json")));

        // The same tensor as a NumPy float64 .npy file gives the same output.
        string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 4, 1), }";
        header = header.PadRight(117) + "\n";   // 10-byte preamble + 118 = 128, a multiple of 64 as NumPy writes
        var npy = new List<byte> { 0x93 };
        npy.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        npy.AddRange([1, 0]);
        npy.AddRange(BitConverter.GetBytes((ushort)header.Length));
        npy.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (double v in new[] { 0.1, 0.2, 0.3, 0.4 }) npy.AddRange(BitConverter.GetBytes(v));
        File.WriteAllBytes(PathOf("x.npy"), npy.ToArray());
        var fromNpy = Run("predict", "--model", model, "--input", PathOf("x.npy"), "--output", PathOf("z.json"));
        Assert.True(fromNpy.Code == 0, fromNpy.Error);
        Assert.Equal(File.ReadAllText(PathOf("y.json")), File.ReadAllText(PathOf("z.json")));
    }

    [Fact]
    public void A_missing_data_file_is_named() =>
        CliRun.AssertBadInput(Run("train", "classify", "--data", PathOf("nope.tsv"), "--model", PathOf("m.rnn")), "nope.tsv");

    [Fact]
    public void An_empty_file_is_named()
    {
        File.WriteAllText(PathOf("empty.csv"), "");
        CliRun.AssertBadInput(Run("train", "forecast", "--data", PathOf("empty.csv"), "--column", "Value", "--model", PathOf("m.rnn")), "empty");
    }

    [Fact]
    public void A_missing_column_is_named()
    {
        string data = SeriesFile("series.csv", 30);
        CliRun.AssertBadInput(Run("train", "forecast", "--data", data, "--column", "Price", "--model", PathOf("m.rnn")), "Price");
    }

    [Fact]
    public void A_non_numeric_value_names_its_line()
    {
        File.WriteAllText(PathOf("bad.csv"), "Month,Value\n1,10\n2,eleven\n3,12\n");
        CliRun.AssertBadInput(Run("train", "forecast", "--data", PathOf("bad.csv"), "--column", "Value", "--model", PathOf("m.rnn")), "line 3");
    }

    [Fact]
    public void Too_few_rows_for_the_window_say_how_many_are_needed()
    {
        string data = SeriesFile("short.csv", 10);
        CliRun.AssertBadInput(Run("train", "forecast", "--data", data, "--column", "Value", "--window", "12", "--model", PathOf("m.rnn")), "need at least 13");
    }

    [Fact]
    public void An_unknown_option_is_named() =>
        CliRun.AssertBadInput(Run("train", "classify", "--data", "x.tsv", "--model", "m.rnn", "--colour", "blue"), "--colour");

    [Fact]
    public void A_truncated_model_file_is_refused()
    {
        string data = SeriesFile("series.csv", 40), model = PathOf("f.rnn");
        Assert.Equal(0, Run("train", "forecast", "--data", data, "--column", "Value", "--window", "4", "--epochs", "1", "--quiet", "--model", model).Code);
        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(PathOf("cut.rnn"), bytes[..(bytes.Length - 100)]);
        CliRun.AssertBadInput(Run("forecast", "--model", PathOf("cut.rnn"), "--data", data), "cut.rnn");
        bytes[20] ^= 0xFF;
        File.WriteAllBytes(PathOf("flipped.rnn"), bytes);
        CliRun.AssertBadInput(Run("summary", "--model", PathOf("flipped.rnn")), "flipped.rnn");
    }

    [Fact]
    public void Export_writes_onnx_and_names_what_onnx_cannot_hold()
    {
        string data = SeriesFile("series.csv", 40), model = PathOf("f.rnn");
        Assert.Equal(0, Run("train", "forecast", "--data", data, "--column", "Value", "--window", "4", "--epochs", "1", "--quiet", "--model", model).Code);
        var exported = Run("export", "--model", model, "--onnx", PathOf("f.onnx"));
        Assert.True(exported.Code == 0, exported.Error);
        Assert.StartsWith($"wrote {PathOf("f.onnx")} (ONNX opset 14", exported.Output);
        Assert.True(new FileInfo(PathOf("f.onnx")).Length > 100);

        string train = SentimentFile("train.tsv", 40, 1), classifier = PathOf("s.rnn");
        Assert.Equal(0, Run("train", "classify", "--data", train, "--model", classifier, "--units", "4", "--epochs", "1", "--quiet").Code);
        CliRun.AssertBadInput(Run("export", "--model", classifier, "--onnx", PathOf("s.onnx")), "mask_zero");
        Assert.False(File.Exists(PathOf("s.onnx")));
    }

    private static string KerasFixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras", name);

    // The input part of a Keras fixture's NAME.expected.json, as a tensor file for --input.
    private string KerasInput(string name)
    {
        var input = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(KerasFixture(name + ".expected.json")))!["input"]!;
        File.WriteAllText(PathOf(name + ".input.json"), input.ToJsonString());
        return PathOf(name + ".input.json");
    }

    [Fact]
    public void Predict_and_summary_read_keras_files_directly()
    {
        var predicted = Run("predict", "--model", KerasFixture("k2_masked_lstm.weights.h5"), "--config", KerasFixture("k2_masked_lstm.json"),
            "--input", KerasInput("k2_masked_lstm"), "--output", PathOf("y.json"));
        Assert.True(predicted.Code == 0, predicted.Error);
        var expected = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(KerasFixture("k2_masked_lstm.expected.json")))!["output"]!["data"]!.AsArray();
        var actual = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(PathOf("y.json")))!["data"]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i]!.GetValue<double>(), actual[i]!.GetValue<double>(), 1e-5);

        var summary = Run("summary", "--model", KerasFixture("k3_bidirectional.keras"));
        Assert.True(summary.Code == 0, summary.Error);
        Assert.Contains("bidirectional_1 (Bidirectional)", summary.Output);
    }

    [Fact]
    public void Convert_turns_a_keras_archive_into_a_model_file_and_a_pytorch_state_dict()
    {
        var converted = Run("convert", KerasFixture("k3_bidirectional.keras"), PathOf("bi.rnn"));
        Assert.True(converted.Code == 0, converted.Error);
        Assert.Equal($"wrote {PathOf("bi.rnn")} (3 layers, 306 weights)", converted.Output.Trim());
        string input = KerasInput("k3_bidirectional");
        Assert.Equal(Run("predict", "--model", KerasFixture("k3_bidirectional.keras"), "--input", input).Output,
                     Run("predict", "--model", PathOf("bi.rnn"), "--input", input).Output);

        var state = Run("convert", KerasFixture("k3_bidirectional.keras"), PathOf("bi.safetensors"));
        Assert.True(state.Code == 0, state.Error);
        // One PyTorch module per layer, named after it.
        var modules = Recurrent.IO.SafeTensors.Read<float>(PathOf("bi.safetensors")).Tensors.Keys.Select(k => k[..k.IndexOf('.')]).Distinct().Order();
        Assert.Equal(["bidirectional", "bidirectional_1", "dense"], modules);
    }

    [Fact]
    public void Convert_names_what_it_cannot_read_or_write()
    {
        CliRun.AssertBadInput(Run("convert", KerasFixture("k2_masked_lstm.weights.h5"), PathOf("m.onnx"), "--config", KerasFixture("k2_masked_lstm.json")), "mask_zero");
        CliRun.AssertBadInput(Run("convert", KerasFixture("k3_bidirectional.keras"), PathOf("m.h5")), "writing Keras files is not supported");
        File.WriteAllText(PathOf("m.onnx"), "");
        CliRun.AssertBadInput(Run("convert", PathOf("m.onnx"), PathOf("m.rnn")), "m.onnx");
        CliRun.AssertBadInput(Run("convert", PathOf("m.onnx"), PathOf("m.rnn"), "--config", KerasFixture("k2_masked_lstm.json")), "--config pairs a Keras weights file");
        CliRun.AssertBadInput(Run("convert", KerasFixture("k2_masked_lstm.weights.h5"), PathOf("m.rnn")), "model.to_json()");
    }

    [Fact]
    public void A_model_of_the_wrong_kind_is_refused()
    {
        string data = SeriesFile("series.csv", 40), model = PathOf("f.rnn");
        Assert.Equal(0, Run("train", "forecast", "--data", data, "--column", "Value", "--window", "4", "--epochs", "1", "--quiet", "--model", model).Code);
        CliRun.AssertBadInput(Run("generate", "--model", model, "--prompt", "x"), "this is a 'forecast' model, but this command needs a 'generate' model");
    }

    [Fact]
    public void Version_and_help_succeed()
    {
        Assert.Equal(0, Run("--version").Code);
        var help = Run("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("demo", help.Output);
    }
}
