using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Applications;
using Recurrent.Benchmarks;
using Recurrent.IO;
using Recurrent.Kernels;

namespace Recurrent.Cli.Commands;

/// <summary>
/// <c>recurrent bench</c>: times one recurrent layer case (inference or a training step) as bench/run_benchmarks.py
/// runs it, or with <c>--peak</c> this machine's float32 FMA peak on 1 and N threads.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var cell = new Option<string>("--cell") { Description = "Recurrent cell: rnn (SimpleRNN tanh), lstm or gru (reset-after).", DefaultValueFactory = _ => "lstm" };
        var batch = new Option<int>("--batch") { Description = "Sequences per call, B.", DefaultValueFactory = _ => 16 };
        var seq = new Option<int>("--seq") { Description = "Steps per sequence, T.", DefaultValueFactory = _ => 50 };
        var input = new Option<int>("--input") { Description = "Input features per step, I.", DefaultValueFactory = _ => 32 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size, H.", DefaultValueFactory = _ => 128 };
        var mode = new Option<string>("--mode") { Description = "infer (forward over the sequence) or train (forward, MSE, backward, Adam step).", DefaultValueFactory = _ => "infer" };
        var threads = new Option<int?>("--threads") { Description = "Threads for matrix products (default: all cores)." };
        var seconds = new Option<double>("--seconds") { Description = "Time the calls for at least this many seconds (and at least 10 calls).", DefaultValueFactory = _ => 1.5 };
        var warmup = new Option<double>("--warmup") { Description = "Untimed warm-up, in seconds.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the random data.", DefaultValueFactory = _ => 1 };
        var peak = new Option<bool>("--peak") { Description = "Measure the float32 FMA peak (GFLOP/s) on 1 thread and on --threads threads instead." };
        var json = new Option<string?>("--json") { Description = "Write the result here as JSON." };
        var command = new Command("bench", "Time one recurrent layer (seq/s, GFLOP/s, ms per call, bytes allocated per call), or the FMA peak.")
        {
            cell, batch, seq, input, hidden, mode, threads, seconds, warmup, seed, peak, json,
        };
        command.SetAction(parsed =>
        {
            int previousThreads = Gemm.MaxDegreeOfParallelism;
            try
            {
                if (parsed.GetValue(threads) is int count)
                {
                    if (count < 1) throw new UsageException($"--threads must be at least 1, got {count}.");
                    Gemm.MaxDegreeOfParallelism = count;
                }
                double duration = parsed.GetValue(seconds), warmupSeconds = parsed.GetValue(warmup);
                if (!(duration > 0)) throw new UsageException($"--seconds must be positive, got {duration.ToString(CultureInfo.InvariantCulture)}.");
                if (!(warmupSeconds >= 0)) throw new UsageException($"--warmup must not be negative, got {warmupSeconds.ToString(CultureInfo.InvariantCulture)}.");
                JsonObject result = parsed.GetValue(peak)
                    ? Peak(console, Gemm.MaxDegreeOfParallelism)
                    : Case(console, new RnnBenchmarkCase(NetworkOptions.ParseCell(parsed.GetValue(cell)!), Positive(parsed.GetValue(batch), "--batch"),
                            Positive(parsed.GetValue(seq), "--seq"), Positive(parsed.GetValue(input), "--input"), Positive(parsed.GetValue(hidden), "--hidden")),
                        ParseMode(parsed.GetValue(mode)!), new BenchmarkOptions { Seconds = duration, WarmupSeconds = warmupSeconds, Seed = parsed.GetValue(seed) });
                if (parsed.GetValue(json) is string path)
                    AtomicFile.WriteAllText(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            }
            finally
            {
                Gemm.MaxDegreeOfParallelism = previousThreads;
            }
        });
        return command;
    }

    private static JsonObject Case(CliConsole console, RnnBenchmarkCase benchmarkCase, BenchmarkMode mode, BenchmarkOptions options)
    {
        RnnBenchmarkResult result = RnnBenchmark.Run(benchmarkCase, mode, options);
        CallTimings t = result.Timings;
        string cell = CellName(benchmarkCase.Cell), modeName = mode == BenchmarkMode.Training ? "train" : "infer";
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{cell} {modeName} B={benchmarkCase.Batch} T={benchmarkCase.Steps} I={benchmarkCase.InputSize} H={benchmarkCase.Units}, {result.Threads} thread(s): " +
            $"{result.SequencesPerSecond:0.#} seq/s, {result.Gflops:0.00} GFLOP/s, {t.MedianSeconds * 1e3:0.####} ms per call " +
            $"(min {t.MinSeconds * 1e3:0.####}, max {t.MaxSeconds * 1e3:0.####}; {t.Calls} calls in {t.TotalSeconds:0.00} s), " +
            $"{t.AllocatedBytesPerCall:0} bytes allocated per call"));
        return new JsonObject
        {
            ["cell"] = cell,
            ["mode"] = modeName,
            ["batch"] = benchmarkCase.Batch,
            ["seq"] = benchmarkCase.Steps,
            ["input"] = benchmarkCase.InputSize,
            ["hidden"] = benchmarkCase.Units,
            ["seq_per_s"] = result.SequencesPerSecond,
            ["gflops"] = result.Gflops,
            ["ms_median"] = t.MedianSeconds * 1e3,
            ["ms_min"] = t.MinSeconds * 1e3,
            ["ms_max"] = t.MaxSeconds * 1e3,
            ["alloc_bytes_per_call"] = t.AllocatedBytesPerCall,
            ["threads"] = result.Threads,
            ["calls"] = t.Calls,
            ["seconds"] = t.TotalSeconds,
            ["warmup_calls"] = t.WarmupCalls,
        };
    }

    private static JsonObject Peak(CliConsole console, int threads)
    {
        double one = FmaPeak.Measure(threads: 1), many = threads == 1 ? one : FmaPeak.Measure(threads);
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"float32 FMA peak (Vector{FmaPeak.VectorBits}): {one:0.0} GFLOP/s on 1 thread, {many:0.0} GFLOP/s on {threads} threads"));
        return new JsonObject
        {
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["vector_bits"] = FmaPeak.VectorBits,
            ["gflops_1_thread"] = one,
            ["threads"] = threads,
            ["gflops_threads"] = many,
        };
    }

    private static BenchmarkMode ParseMode(string mode) => mode switch
    {
        "infer" or "inference" => BenchmarkMode.Inference,
        "train" or "training" => BenchmarkMode.Training,
        _ => throw new UsageException($"--mode must be infer or train, got '{mode}'."),
    };

    private static string CellName(CellKind cell) => cell switch { CellKind.Simple => "rnn", CellKind.Gru => "gru", _ => "lstm" };

    private static int Positive(int value, string option) => value >= 1 ? value : throw new UsageException($"{option} must be at least 1, got {value}.");
}
