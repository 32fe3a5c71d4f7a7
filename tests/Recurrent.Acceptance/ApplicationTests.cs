using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Tensors;
using Recurrent.Tests.Cli;

namespace Recurrent.Acceptance;

/// <summary>The applications from the command line on the shared data sets.</summary>
public sealed class ApplicationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-acceptance-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int Code, string Output, string Error) Run(params string[] args) => CliRun.Run(args);

    private JsonNode Json(string name) => JsonNode.Parse(File.ReadAllText(PathOf(name)))!;

    [Fact]
    public void Classification_from_the_command_line_reaches_full_test_accuracy()
    {
        var result = Run("train", "classify", "--data", SharedData.PathOf("sentiment/train.tsv"), "--test-data", SharedData.PathOf("sentiment/test.tsv"),
            "--cell", "simple", "--units", "32", "--embedding-dim", "16", "--lr", "0.005", "--epochs", "150", "--batch-size", "16", "--seed", "7",
            "--quiet", "--json", PathOf("classify.json"), "--model", PathOf("sentiment.rnn"));
        Assert.True(result.Code == 0, result.Error);
        Assert.Equal(1.0, Json("classify.json")["test"]!["accuracy"]!.GetValue<double>());
    }

    [Fact]
    public void Forecasting_the_airline_passengers_beats_the_persistence_baseline()
    {
        var result = Run("train", "forecast", "--data", SharedData.PathOf("airline-passengers.csv"), "--column", "Passengers",
            "--window", "12", "--test-size", "24", "--log", "--difference", "--units", "50", "--epochs", "300", "--batch-size", "16", "--seed", "1",
            "--quiet", "--json", PathOf("forecast.json"), "--model", PathOf("passengers.rnn"));
        Assert.True(result.Code == 0, result.Error);
        JsonNode test = Json("forecast.json")["test"]!;
        Assert.Equal(51.8, test["baseline_rmse"]!.GetValue<double>(), 1);
        Assert.True(test["rmse"]!.GetValue<double>() < 51.8, $"test RMSE {test["rmse"]} is not below the persistence baseline 51.8");
    }

    [Fact]
    public void Model_file_weights_are_readable_with_only_the_safetensors_layout_in_python()
    {
        Assert.Equal(0, Run("train", "forecast", "--data", SharedData.PathOf("airline-passengers.csv"), "--column", "Passengers",
            "--epochs", "2", "--quiet", "--model", PathOf("small.rnn")).Code);
        var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "read_model_file.py"), PathOf("small.rnn")])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = python.StandardOutput.ReadToEnd();
        string error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"python3 read_model_file.py failed (python3-numpy installed?): {error}");

        var (tensors, _) = SafeTensors.Read<double>(PathOf("small.rnn"));
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("format recurrent-model 1", lines[0]);
        Assert.Equal(tensors.Count, lines.Length - 1);
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ');
            Tensor<double> tensor = tensors[fields[0]];
            Assert.Equal(string.Join("x", tensor.Shape.ToArray()), fields[1]);
            Assert.Equal(tensor.Data.Sum(), double.Parse(fields[2], CultureInfo.InvariantCulture), 4);
        }
    }

    /// <summary>Issue 9, acceptance 2: 200 kills at random moments while a 4 MB model is saved over and over.</summary>
    [Fact]
    public void Killing_a_process_while_it_saves_never_leaves_a_partial_file()
    {
        string target = PathOf("saving.rnn");
        var random = new Random(3);
        int complete = 0, absent = 0;
        for (int kill = 0; kill < 200; kill++)
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Recurrent.SaveLoop.dll"), target])
            { RedirectStandardOutput = true })!;
            process.StandardOutput.ReadLine();   // "ready": the model exists and saving begins
            Thread.Sleep(random.Next(0, 300));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            if (!File.Exists(target)) { absent++; continue; }
            // Whatever was there must be one whole version: every weight 1 or every weight 2.
            var loaded = ModelFile.Load<float>(target);
            float first = loaded.Model.Parameters[0].Value.Span[0];
            Assert.True(first is 1 or 2, $"kill {kill}: unexpected weight {first}");
            Assert.All(loaded.Model.Parameters, p => Assert.True(p.Value.Data.All(v => v == first), $"kill {kill}: mixed versions"));
            complete++;
        }
        Assert.True(complete > 0, "no save ever completed; the test did not exercise anything");
        Console.WriteLine($"kill-while-saving: {complete} complete files, {absent} absent, 0 partial");
    }
}
