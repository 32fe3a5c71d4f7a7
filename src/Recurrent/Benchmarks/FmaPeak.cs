using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Benchmarks;

/// <summary>
/// Measures this machine's float32 fused multiply-add peak from C#: a loop of independent FMA chains on the widest
/// accelerated vector (Vector512, else Vector256), enough chains to hide the FMA latency, on one or more threads.
/// A multiply-add counts as two operations, as in the GFLOP/s of the matrix products.
/// </summary>
/// <example>
/// <code>
/// double one = FmaPeak.Measure(threads: 1), two = FmaPeak.Measure(threads: 2);   // GFLOP/s
/// </code>
/// </example>
public static class FmaPeak
{
    // Independent accumulator chains: 16 × 512-bit leaves registers for the constants (32 zmm); 12 × 256-bit fits 16 ymm.
    private const int Chains512 = 16, Chains256 = 12;

    /// <summary>The vector width the loop uses, in bits: 512, 256 or 0 when neither is hardware-accelerated.</summary>
    public static int VectorBits => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 0;

    /// <summary>Floating-point operations of one loop iteration (each chain does one FMA of a full vector: 2 operations per lane).</summary>
    private static int FlopsPerIteration => VectorBits == 512 ? Chains512 * 16 * 2 : Chains256 * 8 * 2;

    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads each running the FMA loop for about <paramref name="seconds"/>;
    /// the best of <paramref name="repeats"/> runs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">threads or repeats below 1, or seconds not positive.</exception>
    /// <exception cref="PlatformNotSupportedException">Neither Vector512 nor Vector256 is hardware-accelerated.</exception>
    public static double Measure(int threads = 1, double seconds = 0.5, int repeats = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "FmaPeak: seconds must be positive.");
        if (VectorBits == 0) throw new PlatformNotSupportedException("FmaPeak: neither Vector512 nor Vector256 is hardware-accelerated.");

        // Calibrate on one thread (the first runs also get the loop compiled by the optimising JIT).
        long iterations = 1 << 16;
        double elapsed;
        while ((elapsed = TimeLoop(iterations)) < 0.05) iterations *= 2;
        iterations = Math.Max(1, (long)(iterations * seconds / elapsed));

        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() => { start.SignalAndWait(); Sink(Loop(iterations)); }) { IsBackground = true };
                workers[t].Start();
            }
            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (Thread worker in workers) worker.Join();
            double wall = (double)(Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency;
            best = Math.Max(best, threads * (double)iterations * FlopsPerIteration / wall / 1e9);
        }
        return best;
    }

    private static double TimeLoop(long iterations)
    {
        long t0 = Stopwatch.GetTimestamp();
        Sink(Loop(iterations));
        return (double)(Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency;
    }

    private static float _sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sink(float value) => _sink += value;

    private static float Loop(long iterations) => VectorBits == 512 ? Loop512(iterations) : Loop256(iterations);

    // a ← a·m + c converges to c / (1 − m): no overflow, no denormals, and the JIT cannot drop the chains.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.999f), c = Vector512.Create(1e-3f);
        Vector512<float> a0 = Vector512.Create(0.0f), a1 = Vector512.Create(0.1f), a2 = Vector512.Create(0.2f), a3 = Vector512.Create(0.3f);
        Vector512<float> a4 = Vector512.Create(0.4f), a5 = Vector512.Create(0.5f), a6 = Vector512.Create(0.6f), a7 = Vector512.Create(0.7f);
        Vector512<float> a8 = Vector512.Create(0.8f), a9 = Vector512.Create(0.9f), a10 = Vector512.Create(1.0f), a11 = Vector512.Create(1.1f);
        Vector512<float> a12 = Vector512.Create(1.2f), a13 = Vector512.Create(1.3f), a14 = Vector512.Create(1.4f), a15 = Vector512.Create(1.5f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a12 = Vector512.FusedMultiplyAdd(a12, m, c); a13 = Vector512.FusedMultiplyAdd(a13, m, c);
            a14 = Vector512.FusedMultiplyAdd(a14, m, c); a15 = Vector512.FusedMultiplyAdd(a15, m, c);
        }
        Vector512<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15));
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.999f), c = Vector256.Create(1e-3f);
        Vector256<float> a0 = Vector256.Create(0.0f), a1 = Vector256.Create(0.1f), a2 = Vector256.Create(0.2f), a3 = Vector256.Create(0.3f);
        Vector256<float> a4 = Vector256.Create(0.4f), a5 = Vector256.Create(0.5f), a6 = Vector256.Create(0.6f), a7 = Vector256.Create(0.7f);
        Vector256<float> a8 = Vector256.Create(0.8f), a9 = Vector256.Create(0.9f), a10 = Vector256.Create(1.0f), a11 = Vector256.Create(1.1f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        Vector256<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector256.Sum(sum);
    }
}
