using System.Diagnostics;
using Recurrent.Applications;
using Recurrent.Models;
using Recurrent.Tests.Cli;

namespace Recurrent.Acceptance;

/// <summary>
/// Issue 9, acceptance 3: `recurrent train` killed with SIGKILL at random moments and started again with --resume ends
/// with weights bit-identical to an uninterrupted run with the same seed, for an LSTM classifier and a forecaster.
/// </summary>
public class ResumeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    public static TheoryData<string> Tasks => new(["classify", "forecast"]);

    private static string[] Arguments(string task, string model) => task == "classify"
        ? ["train", "classify", "--data", SharedData.PathOf("sentiment/train.tsv"), "--model", model, "--cell", "lstm", "--units", "16", "--dropout", "0.2",
           "--epochs", "150", "--batch-size", "2", "--validation-split", "0.2", "--seed", "3", "--quiet"]
        : ["train", "forecast", "--data", SharedData.PathOf("airline-passengers.csv"), "--column", "Passengers", "--model", model, "--window", "12",
           "--test-size", "24", "--log", "--difference", "--units", "24", "--epochs", "100", "--batch-size", "4", "--seed", "4", "--quiet"];

    private static Sequential<float> Load(string task, string path) =>
        task == "classify" ? TextClassifier.Load(path).Model : Forecaster.Load(path).Model;

    [Theory]
    [MemberData(nameof(Tasks))]
    public void A_run_killed_at_random_moments_and_resumed_is_bit_identical(string task)
    {
        var timer = Stopwatch.StartNew();
        var (code, _, error) = CliRun.Run(Arguments(task, PathOf("uninterrupted.rnn")));
        Assert.True(code == 0, error);
        // Kill moments are drawn over the first third of a run's length after its first backup: they land anywhere from
        // the first batches on, and the run's start-up (a second or so, part of the measured length) can never push the
        // first draw past the end of training, which left a run unkilled once the training itself got faster.
        int runMilliseconds = (int)timer.ElapsedMilliseconds;

        string checkpoints = PathOf("checkpoints"), backup = Path.Combine(checkpoints, "backup.safetensors");
        string[] resumable = [.. Arguments(task, PathOf("resumed.rnn")), "--checkpoint-dir", checkpoints, "--checkpoint-every", "3", "--resume"];
        var random = new Random(task.Length);
        int kills = 0;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            DateTime lastBackup = File.Exists(backup) ? File.GetLastWriteTimeUtc(backup) : DateTime.MinValue;
            using Process process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Recurrent.Cli.dll"), .. resumable])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            // Wait for this run's first backup, then kill it at a random moment after that.
            var watch = Stopwatch.StartNew();
            while (!process.HasExited && (!File.Exists(backup) || File.GetLastWriteTimeUtc(backup) == lastBackup) && watch.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(5);
            Thread.Sleep(random.Next(0, Math.Max(50, runMilliseconds / 3)));
            if (process.HasExited) break;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            kills++;
        }
        (code, _, error) = CliRun.Run(resumable);
        Assert.True(code == 0, error);
        Assert.True(kills > 0, "the run finished before it could be killed; make it longer");
        Assert.False(File.Exists(backup), "the backup is removed once the model file is saved");

        Sequential<float> expected = Load(task, PathOf("uninterrupted.rnn")), actual = Load(task, PathOf("resumed.rnn"));
        for (int p = 0; p < expected.Parameters.Count; p++)
            Assert.True(expected.Parameters[p].Value.Span.SequenceEqual(actual.Parameters[p].Value.Span), $"{task}: weight {p} ({expected.Parameters[p].Name}) differs after {kills} kills");
        Console.WriteLine($"resume ({task}): killed {kills} times with SIGKILL, resumed, weights bit-identical to the uninterrupted run");
    }
}
