using System.Diagnostics;
using Recurrent.Applications;
using Recurrent.Kernels;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Benchmarks;

/// <summary>What one benchmark call does.</summary>
public enum BenchmarkMode
{
    /// <summary>The layer's forward pass over the whole sequence, returning every step's output (<see cref="RecurrentLayer{T}.ForwardSequence"/>).</summary>
    Inference,

    /// <summary>One training step of layer → Dense(1) with MSE and Adam(0.001) (<see cref="Model{T}.TrainOnBatch(Tensor{T}, Tensor{T}, Tensor{T})"/>).</summary>
    Training,
}

/// <summary>
/// One benchmark case: a single recurrent layer (SimpleRNN tanh, LSTM or GRU reset-after, with bias) run on
/// <see cref="Batch"/> sequences of <see cref="Steps"/> steps of <see cref="InputSize"/> features, batch-first,
/// from a zero initial state.
/// </summary>
/// <param name="Cell">The cell.</param>
/// <param name="Batch">Sequences per call, B.</param>
/// <param name="Steps">Steps per sequence, T.</param>
/// <param name="InputSize">Input features per step, I.</param>
/// <param name="Units">Hidden size, H.</param>
public sealed record RnnBenchmarkCase(CellKind Cell, int Batch, int Steps, int InputSize, int Units)
{
    /// <summary>Gate blocks G: 1 for SimpleRNN, 4 for LSTM, 3 for GRU.</summary>
    public int GateCount => Cell switch { CellKind.Simple => 1, CellKind.Gru => 3, _ => 4 };

    /// <summary>
    /// Floating-point operations of the matrix products of one forward pass, 2·B·T·(I+H)·G·H (input projection
    /// and recurrent product; gate math and biases are not counted).
    /// </summary>
    public double ForwardFlops => 2.0 * Batch * Steps * (InputSize + Units) * GateCount * Units;

    /// <summary>The counted operations of one call: <see cref="ForwardFlops"/> for inference, three times that for a training step.</summary>
    public double FlopsPerCall(BenchmarkMode mode) => mode == BenchmarkMode.Training ? 3 * ForwardFlops : ForwardFlops;
}

/// <summary>How long and how often a benchmark runs.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>The timed calls last at least this long, in seconds (default 1.5).</summary>
    public double Seconds { get; init; } = 1.5;

    /// <summary>At least this many timed calls (default 10).</summary>
    public int MinCalls { get; init; } = 10;

    /// <summary>Untimed warm-up before measuring (JIT tiering, buffers, caches), in seconds (default 1).</summary>
    public double WarmupSeconds { get; init; } = 1.0;

    /// <summary>At least this many warm-up calls (default 3).</summary>
    public int MinWarmupCalls { get; init; } = 3;

    /// <summary>Seed of the weights and of the random input and target.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>Per-call wall times of a repeated call and the bytes it allocated.</summary>
/// <param name="Calls">Timed calls.</param>
/// <param name="TotalSeconds">Wall time of all timed calls together.</param>
/// <param name="MedianSeconds">Median per-call time.</param>
/// <param name="MinSeconds">Fastest call.</param>
/// <param name="MaxSeconds">Slowest call.</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated (all threads) during the timed calls, divided by <paramref name="Calls"/>.</param>
/// <param name="WarmupCalls">Untimed calls made before.</param>
public sealed record CallTimings(int Calls, double TotalSeconds, double MedianSeconds, double MinSeconds, double MaxSeconds,
    double AllocatedBytesPerCall, int WarmupCalls);

/// <summary>The measurement of one <see cref="RnnBenchmarkCase"/> in one <see cref="BenchmarkMode"/>.</summary>
/// <param name="Case">What was run.</param>
/// <param name="Mode">Inference or a training step.</param>
/// <param name="Threads">The thread limit of the matrix products (<see cref="Gemm.MaxDegreeOfParallelism"/>).</param>
/// <param name="Timings">Per-call times and allocations.</param>
public sealed record RnnBenchmarkResult(RnnBenchmarkCase Case, BenchmarkMode Mode, int Threads, CallTimings Timings)
{
    /// <summary>Sequences per second: B / median call time.</summary>
    public double SequencesPerSecond => Case.Batch / Timings.MedianSeconds;

    /// <summary>Counted matrix-product operations per second at the median call time, in GFLOP/s.</summary>
    public double Gflops => Case.FlopsPerCall(Mode) / Timings.MedianSeconds / 1e9;
}

/// <summary>
/// Times one recurrent layer the way the performance benchmark defines it: inference is
/// <see cref="RecurrentLayer{T}.ForwardSequence"/> with <c>returnSequences</c>; a training step is
/// <see cref="Model{T}.TrainOnBatch(Tensor{T}, Tensor{T}, Tensor{T})"/> on <c>Sequential([layer, Dense(1)])</c> compiled with <c>Adam(0.001)</c> and
/// MSE, the target y ~ N(0, 1) of shape [B, 1]. The input x ~ N(0, 1) has shape [B, T, I]. Each call is timed
/// on its own after a warm-up; the median, minimum and maximum are reported.
/// </summary>
/// <example>
/// <code>
/// var result = RnnBenchmark.Run(new RnnBenchmarkCase(CellKind.Lstm, 16, 50, 32, 128), BenchmarkMode.Training);
/// Console.WriteLine($"{result.SequencesPerSecond:0} seq/s, {result.Gflops:0.0} GFLOP/s");
/// </code>
/// </example>
public static class RnnBenchmark
{
    /// <summary>Builds the layer (or model) and the data for <paramref name="benchmarkCase"/> and times <paramref name="mode"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static RnnBenchmarkResult Run(RnnBenchmarkCase benchmarkCase, BenchmarkMode mode, BenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        options ??= new BenchmarkOptions();
        var (cell, batch, steps, inputSize, units) = benchmarkCase;
        if (batch <= 0 || steps <= 0 || inputSize <= 0 || units <= 0)
            throw new ArgumentOutOfRangeException(nameof(benchmarkCase), benchmarkCase, "RnnBenchmark: batch, steps, input and hidden sizes must be positive.");

        var random = new Random(options.Seed);
        Tensor<float> x = Normal(random, batch, steps, inputSize);
        Action call;
        if (mode == BenchmarkMode.Inference)
        {
            RecurrentLayer<float> layer = CreateLayer(cell, units, returnSequences: true, options.Seed);
            layer.Build(inputSize);
            // Each call overwrites the previous result, as a serving loop would, so steady state allocates nothing.
            RecurrentOutput<float> result = layer.ForwardSequence(x);
            call = () => result = layer.ForwardSequence(x, reuse: result);
        }
        else
        {
            Tensor<float> y = Normal(random, batch, 1);
            var model = new Sequential<float>([CreateLayer(cell, units, returnSequences: false, options.Seed), new Dense<float>(1)],
                inputShape: [steps, inputSize], seed: options.Seed);
            model.Compile(new Adam(0.001), Loss.MeanSquaredError);
            call = () => model.TrainOnBatch(x, y);
        }
        return new RnnBenchmarkResult(benchmarkCase, mode, Gemm.MaxDegreeOfParallelism, Time(call, options));
    }

    /// <summary>
    /// Calls <paramref name="call"/> for at least <see cref="BenchmarkOptions.WarmupSeconds"/> and
    /// <see cref="BenchmarkOptions.MinWarmupCalls"/> untimed, then times each call until at least
    /// <see cref="BenchmarkOptions.MinCalls"/> calls and <see cref="BenchmarkOptions.Seconds"/> have passed.
    /// </summary>
    /// <remarks>
    /// The per-call times go into an array sized from the warm-up before the allocation counter is read; should it
    /// still have to grow, the bytes of the growth are subtracted, so <see cref="CallTimings.AllocatedBytesPerCall"/>
    /// counts only what the calls allocate (on any thread).
    /// </remarks>
    public static CallTimings Time(Action call, BenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        options ??= new BenchmarkOptions();
        double tick = 1.0 / Stopwatch.Frequency;

        long warmupStart = Stopwatch.GetTimestamp(), fastest = long.MaxValue;
        int warmupCalls = 0;
        while (warmupCalls < options.MinWarmupCalls || (Stopwatch.GetTimestamp() - warmupStart) * tick < options.WarmupSeconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            fastest = Math.Min(fastest, Math.Max(1, Stopwatch.GetTimestamp() - t0));
            warmupCalls++;
        }

        double expected = warmupCalls == 0 ? options.MinCalls : options.Seconds / (fastest * tick);
        var times = new long[(int)Math.Clamp(2 * expected + options.MinCalls + 16, options.MinCalls + 16, 1 << 26)];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // Again: after a collection the finalizer thread runs the runtime's own callbacks, which allocate (336 bytes
        // measured); left running, they were counted against the calls.
        GC.WaitForPendingFinalizers();

        long growthBytes = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp(), end = start, limit = (long)(options.Seconds * Stopwatch.Frequency);
        int calls = 0;
        while (calls < options.MinCalls || end - start < limit)
        {
            if (calls == times.Length)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                Array.Resize(ref times, times.Length * 2);
                growthBytes += GC.GetTotalAllocatedBytes(precise: true) - before;
            }
            long t0 = Stopwatch.GetTimestamp();
            call();
            end = Stopwatch.GetTimestamp();
            times[calls++] = end - t0;
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - growthBytes;

        Span<long> measured = times.AsSpan(0, calls);
        measured.Sort();
        double median = calls % 2 == 1 ? measured[calls / 2] : (measured[calls / 2 - 1] + measured[calls / 2]) / 2.0;
        return new CallTimings(calls, (end - start) * tick, median * tick, measured[0] * tick, measured[^1] * tick,
            (double)allocated / calls, warmupCalls);
    }

    private static RecurrentLayer<float> CreateLayer(CellKind cell, int units, bool returnSequences, int seed) => cell switch
    {
        CellKind.Simple => new SimpleRnn<float>(units, activation: "tanh", returnSequences: returnSequences, seed: seed),
        CellKind.Gru => new Gru<float>(units, resetAfter: true, returnSequences: returnSequences, seed: seed),
        _ => new Lstm<float>(units, returnSequences: returnSequences, seed: seed),
    };

    // Standard normal values (Box–Muller).
    private static Tensor<float> Normal(Random random, params int[] shape)
    {
        var tensor = Tensor<float>.Zeros(shape);
        Span<float> data = tensor.Span;
        for (int i = 0; i < data.Length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
            data[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < data.Length) data[i + 1] = (float)(radius * Math.Sin(angle));
        }
        return tensor;
    }
}
