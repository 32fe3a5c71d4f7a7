using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: SIMD micro-kernel, cache blocking with packed panels, and
/// multi-threading over blocks of C for large products.
/// </summary>
/// <remarks>
/// Work is split over a grid of C blocks fixed by the shape alone, never over k, so every element of C goes
/// through the same operations in the same order whatever the thread count: results are bit-identical with 1 or N threads.
/// </remarks>
public static unsafe class Gemm
{
    // Blocking (tuned on AVX-512): an A block (MC × KC) stays in L2, a B block (KC × NC) in L2/L3, and each
    // block of C is one unit of parallel work.
    private const int KC = 256;
    private const int MC = 144;  // multiple of GemmKernel.MR
    private const int NC = 512;  // multiple of every micro-tile width (NV vectors of 2..16 elements)

    // Below this many multiply-adds a parallel loop costs more than it saves. Measured on a Zen 5 VM, whose cores hand a
    // cache line over in about 250 ns: at 2^18 (16 × 128 × 128, a SimpleRNN small step) two threads took 5.1–5.4 µs
    // against 4.0 µs on one; at 2^19 (16 × 128 × 256, 32 × 128 × 128) 5.0–7.0 µs against 6.6–8.0 µs. The products that
    // gained most from two threads on the Intel VM of 2026-11-25 (GRU and LSTM small steps) are 1.5–2 times larger.
    private const long ParallelThreshold = 1L << 19;

    // Up to this many rows of A, a transposed B is consumed by dot products rather than transposed into panels.
    private const int DotMaxRows = 16;

    /// <summary>
    /// Upper bound on the threads one product uses (default: all cores). Results do not depend on it: work is split
    /// over blocks of C only. The CLI's <c>--threads</c> sets it.
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set => _maxDegreeOfParallelism = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Gemm: the thread count must be at least 1.");
    }

    private static int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// C[m, n] = alpha·op(A)[m, k]·op(B)[k, n] + beta·C, row-major with leading dimensions
    /// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/>; op(X) is X or Xᵀ.
    /// </summary>
    /// <remarks>
    /// When <paramref name="transposeA"/> is set A is stored [k, m], when <paramref name="transposeB"/> is set
    /// B is stored [n, k]. beta == 0 overwrites C (NaN or garbage in C does not leak) and alpha == 0 or k == 0
    /// only scales C, as BLAS does. float and double run the SIMD kernels; other types fall back to the scalar loop.
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative, a leading dimension is shorter than its row, or a span is too short.</exception>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc) where T : struct, IFloatingPointIeee754<T>
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(m < 0 ? nameof(m) : n < 0 ? nameof(n) : nameof(k),
                $"Gemm: sizes must be non-negative but m={m}, n={n}, k={k}.");
        CheckMatrix("A", transposeA ? k : m, transposeA ? m : k, lda, a.Length, nameof(lda), nameof(a));
        CheckMatrix("B", transposeB ? n : k, transposeB ? k : n, ldb, b.Length, nameof(ldb), nameof(b));
        CheckMatrix("C", m, n, ldc, c.Length, nameof(ldc), nameof(c));
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == T.Zero) { ScaleC(m, n, beta, c, ldc); return; }

        // Generic math cannot take pointers to T; float and double (the types RNNs use) get the fast path.
        if (typeof(T) == typeof(float))
            Run(transposeA, transposeB, m, n, k, Unsafe.As<T, float>(ref alpha), MemoryMarshal.Cast<T, float>(a), lda,
                MemoryMarshal.Cast<T, float>(b), ldb, Unsafe.As<T, float>(ref beta), MemoryMarshal.Cast<T, float>(c), ldc);
        else if (typeof(T) == typeof(double))
            Run(transposeA, transposeB, m, n, k, Unsafe.As<T, double>(ref alpha), MemoryMarshal.Cast<T, double>(a), lda,
                MemoryMarshal.Cast<T, double>(b), ldb, Unsafe.As<T, double>(ref beta), MemoryMarshal.Cast<T, double>(c), ldc);
        else
            GemmReference.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void CheckMatrix(string name, int rows, int cols, int ld, int length, string ldName, string spanName)
    {
        if (ld < cols)
            throw new ArgumentException($"Gemm: {ldName} must be at least {cols} (the row length of {name}) but is {ld}.", ldName);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"Gemm: {name} ({rows}x{cols}, leading dimension {ld}) needs at least {needed} elements but the span has {length}.", spanName);
    }

    private static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc) where T : struct, IFloatingPointIeee754<T>
    {
        if (beta == T.One) return;
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    private static void Run<T>(bool ta, bool tb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pa = a, pb = b, pc = c)
        {
            var job = new Job<T>
            {
                A = pa, B = pb, C = pc, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc,
                TransA = ta, TransB = tb, Alpha = alpha, Beta = beta, Dot = tb && !ta && m <= DotMaxRows,
            };
            if (Vector512.IsHardwareAccelerated) Schedule<T, Vector512<T>, V512<T>>(job);
            else if (Vector256.IsHardwareAccelerated) Schedule<T, Vector256<T>, V256<T>>(job);
            else if (Vector128.IsHardwareAccelerated) Schedule<T, Vector128<T>, V128<T>>(job);
            else GemmReference.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    private struct Job<T> where T : unmanaged
    {
        public T* A, B, C;
        public int M, N, K, Lda, Ldb, Ldc, Nc, NBlocks, Blocks;
        public bool TransA, TransB, Dot;
        public T Alpha, Beta;
    }

    private static void Schedule<T, TV, TS>(Job<T> job)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        // No element of C depends on the grid (k is never split, every element goes through the same micro-kernel
        // operations in the same order), so the grid may follow the thread count without changing any result.
        bool large = (long)job.M * job.N * job.K >= ParallelThreshold;
        int threads = large ? MaxDegreeOfParallelism : 1;
        int rowBlocks = (job.M + MC - 1) / MC;
        job.NBlocks = (job.N + NC - 1) / NC;
        if (threads > 1 && !job.Dot && rowBlocks * job.NBlocks < 4 * threads)
            job.NBlocks = Balanced(rowBlocks, job.NBlocks, threads, (job.N + GemmKernel.NV * TS.Count - 1) / (GemmKernel.NV * TS.Count));
        job.Nc = job.NBlocks == 1 ? job.N : RoundUp((job.N + job.NBlocks - 1) / job.NBlocks, GemmKernel.NV * TS.Count);
        job.NBlocks = (job.N + job.Nc - 1) / job.Nc;
        job.Blocks = rowBlocks * job.NBlocks;
        threads = Math.Min(threads, job.Blocks);
        if (threads <= 1)
        {
            if (job.M == 1 && !job.TransB) RunRow<T, TV, TS>(job);
            else for (int blk = 0; blk < job.Blocks; blk++) RunBlock<T, TV, TS>(in job, blk);
            return;
        }
        RunParallel<T, TV, TS>(job, threads);
    }

    // A recurrent step's product is a few blocks at most (64 × 512 is one): split its columns into equal blocks whose
    // count fills whole rounds of the threads, so no core idles while another finishes a last or wider block.
    private static int Balanced(int rowBlocks, int columnBlocks, int threads, int microTiles)
    {
        int count = columnBlocks;
        while ((long)rowBlocks * count % threads != 0 && count < microTiles) count++;
        return (long)rowBlocks * count % threads == 0 ? count : columnBlocks;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    // One row of A times B read in place (a recurrent step at batch size 1): the whole vectors of C go through the row
    // kernel, k in the same KC slices as RunBlock, so every element gets the same operations as there; the ragged right
    // edge (fewer columns than a vector) takes the general path.
    private static void RunRow<T, TV, TS>(Job<T> job)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        int vectors = job.N / TS.Count, whole = vectors * TS.Count;
        nint stride = job.TransA ? job.Lda : 1;
        for (int p0 = 0; p0 < job.K; p0 += KC)
            GemmKernel.Row<T, TV, TS>(vectors, Math.Min(KC, job.K - p0), job.A + p0 * stride, stride, job.B + (nint)p0 * job.Ldb, job.Ldb,
                job.C, job.Alpha, p0 == 0 ? job.Beta : T.One);
        if (whole == job.N) return;
        job.B += whole;
        job.C += whole;
        job.N -= whole;
        job.Nc = job.N;
        job.NBlocks = job.Blocks = 1;
        RunBlock<T, TV, TS>(in job, 0);
    }

    private static void RunParallel<T, TV, TS>(Job<T> job, int threads)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
        => WorkerPool.For(job.Blocks, threads, &RunBlock<T, TV, TS>, &job);

    private static void RunBlock<T, TV, TS>(void* job, int blk)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
        => RunBlock<T, TV, TS>(in *(Job<T>*)job, blk);

    private static void RunBlock<T, TV, TS>(in Job<T> job, int blk)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        int nr = GemmKernel.NV * TS.Count;
        int i0 = blk / job.NBlocks * MC, mc = Math.Min(MC, job.M - i0);
        int j0 = blk % job.NBlocks * job.Nc, nc = Math.Min(job.Nc, job.N - j0);
        if (job.Dot)
        {
            for (int jr = 0; jr < nc; jr += 4)
                for (int ir = 0; ir < mc; ir += 2)
                {
                    T* ap = job.A + (nint)(i0 + ir) * job.Lda, bp = job.B + (nint)(j0 + jr) * job.Ldb;
                    T* cp = job.C + (nint)(i0 + ir) * job.Ldc + j0 + jr;
                    if (mc - ir > 1) GemmKernel.Dot<T, TV, TS, R2>(Math.Min(4, nc - jr), job.K, ap, job.Lda, bp, job.Ldb, cp, job.Ldc, job.Alpha, job.Beta);
                    else GemmKernel.Dot<T, TV, TS, R1>(Math.Min(4, nc - jr), job.K, ap, job.Lda, bp, job.Ldb, cp, job.Ldc, job.Alpha, job.Beta);
                }
            return;
        }
        // An untransposed B is read in place (it measured faster than packing it, even for large m); only a
        // transposed B and the ragged right edge (zero-padded to whole vectors) are packed. Likewise an untransposed A:
        // the kernel broadcasts from six rows in place (packing them took 8 % of a SimpleRNN large inference).
        int inPlace = job.TransB ? 0 : nc - nc % nr;
        nint aRowStride = job.TransA ? 1 : job.Lda, aStep = job.TransA ? GemmKernel.MR : 1;
        T* packA = Scratch<T>.A, packB = Scratch<T>.B;
        for (int p0 = 0; p0 < job.K; p0 += KC)
        {
            int kc = Math.Min(KC, job.K - p0);
            // Later k-slices add onto what the first one wrote.
            T beta = p0 == 0 ? job.Beta : T.One;
            if (job.TransA) GemmKernel.PackTransposedA(job.A, job.Lda, i0, mc, p0, kc, packA);
            GemmKernel.PackB(job.TransB, job.B, job.Ldb, p0, kc, j0 + inPlace, nc - inPlace, nr, packB);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                T* bp = jr < inPlace ? job.B + (nint)p0 * job.Ldb + j0 + jr : packB + (nint)(jr - inPlace) * kc;
                nint bs = jr < inPlace ? job.Ldb : nr;
                for (int ir = 0; ir < mc; ir += GemmKernel.MR)
                {
                    T* cp = job.C + (nint)(i0 + ir) * job.Ldc + j0 + jr;
                    T* ap = job.TransA ? packA + (nint)ir * kc : job.A + (nint)(i0 + ir) * job.Lda + p0;
                    GemmKernel.Tile<T, TV, TS>(Math.Min(GemmKernel.MR, mc - ir), cols, kc, ap, aRowStride, aStep, bp, bs,
                        cp, job.Ldc, job.Alpha, beta);
                }
            }
        }
    }

    /// <summary>Per-thread packing buffers: pinned once (so raw pointers stay valid) and reused, no per-call allocation.</summary>
    private static class Scratch<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? _packA;
        [ThreadStatic] private static T[]? _packB;

        public static T* A => Aligned(ref _packA, MC * KC);
        public static T* B => Aligned(ref _packB, KC * NC);

        private static T* Aligned(ref T[]? buffer, int length)
        {
            // 64 spare bytes let the panels start on a cache line.
            buffer ??= GC.AllocateUninitializedArray<T>(length + 64 / sizeof(T), pinned: true);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (T*)((p + 63) & ~(nint)63);
        }
    }
}
