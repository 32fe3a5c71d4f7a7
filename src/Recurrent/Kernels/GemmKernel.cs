using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Kernels;

// The register-blocked micro-kernel, the dot-product kernel and the packing routines behind Gemm.
// Kernels are written once, generic over the vector width (ISimd) and the number of live rows (IRows);
// the JIT specialises each combination of value-type arguments, so the calls compile to plain SIMD code.

/// <summary>
/// The few vector operations the kernels need, so one kernel serves every vector width (the runtime's own
/// ISimdVector is internal).
/// </summary>
internal unsafe interface ISimd<TV, T> where TV : struct where T : unmanaged
{
    static abstract int Count { get; }
    /// <summary>Most tile rows whose accumulators (rows × NV) fit the register file.</summary>
    static abstract int MaxRows { get; }
    static abstract TV Splat(T x);
    static abstract TV Load(T* p);
    static abstract void Store(TV v, T* p);
    /// <summary>a·b + c, fused when the hardware can.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    static abstract TV Mul(TV a, TV b);
    static abstract T Sum(TV v);
    /// <summary>alpha·acc + beta·c, written as separate operations so the scalar tail rounds identically.</summary>
    static abstract TV Update(TV alpha, TV acc, TV beta, TV c);
}

internal readonly unsafe struct V512<T> : ISimd<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    public static int MaxRows => 6;
    public static Vector512<T> Splat(T x) => Vector512.Create(x);
    public static Vector512<T> Load(T* p) => Vector512.Load(p);
    public static void Store(Vector512<T> v, T* p) => v.Store(p);
    public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    public static T Sum(Vector512<T> v) => Vector512.Sum(v);
    public static Vector512<T> Update(Vector512<T> alpha, Vector512<T> acc, Vector512<T> beta, Vector512<T> c) => alpha * acc + beta * c;
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        => typeof(T) == typeof(float) ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
         : typeof(T) == typeof(double) ? Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>()
         : a * b + c;
}

internal readonly unsafe struct V256<T> : ISimd<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    public static int MaxRows => 2;
    public static Vector256<T> Splat(T x) => Vector256.Create(x);
    public static Vector256<T> Load(T* p) => Vector256.Load(p);
    public static void Store(Vector256<T> v, T* p) => v.Store(p);
    public static Vector256<T> Mul(Vector256<T> a, Vector256<T> b) => a * b;
    public static T Sum(Vector256<T> v) => Vector256.Sum(v);
    public static Vector256<T> Update(Vector256<T> alpha, Vector256<T> acc, Vector256<T> beta, Vector256<T> c) => alpha * acc + beta * c;
    // MultiplyAddEstimate fuses where FMA exists and stays fast where it does not (old x86), unlike FusedMultiplyAdd.
    public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        => typeof(T) == typeof(float) ? Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
         : typeof(T) == typeof(double) ? Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>()
         : a * b + c;
}

internal readonly unsafe struct V128<T> : ISimd<Vector128<T>, T> where T : unmanaged
{
    public static int Count => Vector128<T>.Count;
    public static int MaxRows => 2;
    public static Vector128<T> Splat(T x) => Vector128.Create(x);
    public static Vector128<T> Load(T* p) => Vector128.Load(p);
    public static void Store(Vector128<T> v, T* p) => v.Store(p);
    public static Vector128<T> Mul(Vector128<T> a, Vector128<T> b) => a * b;
    public static T Sum(Vector128<T> v) => Vector128.Sum(v);
    public static Vector128<T> Update(Vector128<T> alpha, Vector128<T> acc, Vector128<T> beta, Vector128<T> c) => alpha * acc + beta * c;
    public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        => typeof(T) == typeof(float) ? Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
         : typeof(T) == typeof(double) ? Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>()
         : a * b + c;
}

/// <summary>How many rows of a micro-tile are live; a type so the JIT drops the dead accumulators.</summary>
internal interface IRows { static abstract int N { get; } }
internal readonly struct R1 : IRows { public static int N => 1; }
internal readonly struct R2 : IRows { public static int N => 2; }
internal readonly struct R3 : IRows { public static int N => 3; }
internal readonly struct R4 : IRows { public static int N => 4; }
internal readonly struct R5 : IRows { public static int N => 5; }
internal readonly struct R6 : IRows { public static int N => 6; }
internal readonly struct R7 : IRows { public static int N => 7; }
internal readonly struct R8 : IRows { public static int N => 8; }
internal readonly struct R16 : IRows { public static int N => 16; }

internal static unsafe class GemmKernel
{
    /// <summary>Rows of a packed A panel and of the largest micro-tile.</summary>
    public const int MR = 6;

    /// <summary>Vectors per micro-tile row: four give the FMA pipes enough independent chains and read B in long runs.</summary>
    public const int NV = 4;

    /// <summary>
    /// C[rows, cols] = alpha·Ã·B̃ + beta·C for one micro-tile: element (r, p) of Ã at a[r·ars + p·aps] (a packed
    /// panel: ars 1, aps MR; A read in place: ars its row stride, aps 1), B̃ kc rows of NV vectors <paramref name="bs"/>
    /// apart (packed, or B itself when read in place).
    /// beta == 0 overwrites C so NaN there never leaks.
    /// </summary>
    public static void Tile<T, TV, TS>(int rows, int cols, int kc, T* a, nint ars, nint aps, T* b, nint bs, T* c, nint ldc, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        // With 16 vector registers (AVX2, SSE) a 6-row tile would spill: run the panel as 2-row tiles.
        while (rows > TS.MaxRows)
        {
            Rows<T, TV, TS>(TS.MaxRows, cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta);
            a += TS.MaxRows * ars;
            c += TS.MaxRows * ldc;
            rows -= TS.MaxRows;
        }
        Rows<T, TV, TS>(rows, cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta);
    }

    private static void Rows<T, TV, TS>(int rows, int cols, int kc, T* a, nint ars, nint aps, T* b, nint bs, T* c, nint ldc, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        switch (rows)
        {
            case 6: Kernel<T, TV, TS, R6>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
            case 5: Kernel<T, TV, TS, R5>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
            case 4: Kernel<T, TV, TS, R4>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
            case 3: Kernel<T, TV, TS, R3>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
            case 2: Kernel<T, TV, TS, R2>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
            default: Kernel<T, TV, TS, R1>(cols, kc, a, ars, aps, b, bs, c, ldc, alpha, beta); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Kernel<T, TV, TS, TR>(int cols, int kc, T* a, nint ars, nint aps, T* b, nint bs, T* c, nint ldc, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T> where TR : IRows
    {
        int w = TS.Count;
        TV z = default, c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z, c20 = z, c21 = z, c22 = z, c23 = z;
        TV c30 = z, c31 = z, c32 = z, c33 = z, c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
        // One FMA chain per element over p, in order: the summation order never depends on how C was split.
        for (int p = 0; p < kc; p++, a += aps, b += bs)
        {
            TV b0 = TS.Load(b), b1 = TS.Load(b + w), b2 = TS.Load(b + 2 * w), b3 = TS.Load(b + 3 * w), x;
            x = TS.Splat(a[0]); c00 = TS.Fma(x, b0, c00); c01 = TS.Fma(x, b1, c01); c02 = TS.Fma(x, b2, c02); c03 = TS.Fma(x, b3, c03);
            if (TR.N > 1) { x = TS.Splat(a[1 * ars]); c10 = TS.Fma(x, b0, c10); c11 = TS.Fma(x, b1, c11); c12 = TS.Fma(x, b2, c12); c13 = TS.Fma(x, b3, c13); }
            if (TR.N > 2) { x = TS.Splat(a[2 * ars]); c20 = TS.Fma(x, b0, c20); c21 = TS.Fma(x, b1, c21); c22 = TS.Fma(x, b2, c22); c23 = TS.Fma(x, b3, c23); }
            if (TR.N > 3) { x = TS.Splat(a[3 * ars]); c30 = TS.Fma(x, b0, c30); c31 = TS.Fma(x, b1, c31); c32 = TS.Fma(x, b2, c32); c33 = TS.Fma(x, b3, c33); }
            if (TR.N > 4) { x = TS.Splat(a[4 * ars]); c40 = TS.Fma(x, b0, c40); c41 = TS.Fma(x, b1, c41); c42 = TS.Fma(x, b2, c42); c43 = TS.Fma(x, b3, c43); }
            if (TR.N > 5) { x = TS.Splat(a[5 * ars]); c50 = TS.Fma(x, b0, c50); c51 = TS.Fma(x, b1, c51); c52 = TS.Fma(x, b2, c52); c53 = TS.Fma(x, b3, c53); }
        }
        // A ragged right edge goes through a small buffer: a full tile is written straight to C.
        bool full = cols == NV * w;
        T* t = stackalloc T[NV * w];
        T* d = full ? c : t;
        StoreRow<T, TV, TS>(d, c00, c01, c02, c03, alpha, beta, full, cols, c);
        if (TR.N > 1) StoreRow<T, TV, TS>(full ? c + ldc : t, c10, c11, c12, c13, alpha, beta, full, cols, c + ldc);
        if (TR.N > 2) StoreRow<T, TV, TS>(full ? c + 2 * ldc : t, c20, c21, c22, c23, alpha, beta, full, cols, c + 2 * ldc);
        if (TR.N > 3) StoreRow<T, TV, TS>(full ? c + 3 * ldc : t, c30, c31, c32, c33, alpha, beta, full, cols, c + 3 * ldc);
        if (TR.N > 4) StoreRow<T, TV, TS>(full ? c + 4 * ldc : t, c40, c41, c42, c43, alpha, beta, full, cols, c + 4 * ldc);
        if (TR.N > 5) StoreRow<T, TV, TS>(full ? c + 5 * ldc : t, c50, c51, c52, c53, alpha, beta, full, cols, c + 5 * ldc);
    }

    /// <summary>
    /// Writes one tile row: d = alpha·v + beta·d (beta == 0: d = alpha·v). For a ragged edge <paramref name="d"/>
    /// is a scratch row: the accumulators land there raw and are finished element-wise into <paramref name="c"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, TV, TS>(T* d, TV v0, TV v1, TV v2, TV v3, T alpha, T beta, bool full, int cols, T* c)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        int w = TS.Count;
        if (!full)
        {
            TS.Store(v0, d); TS.Store(v1, d + w); TS.Store(v2, d + 2 * w); TS.Store(v3, d + 3 * w);
            // Inline scalar loop, not a call: a call would make the allocator spill accumulators in the hot loop.
            for (int j = 0; j < cols; j++) c[j] = beta == T.Zero ? alpha * d[j] : alpha * d[j] + beta * c[j];
            return;
        }
        TV al = TS.Splat(alpha);
        if (beta == T.Zero)
        {
            TS.Store(TS.Mul(al, v0), d); TS.Store(TS.Mul(al, v1), d + w);
            TS.Store(TS.Mul(al, v2), d + 2 * w); TS.Store(TS.Mul(al, v3), d + 3 * w);
        }
        else
        {
            TV be = TS.Splat(beta);
            TS.Store(TS.Update(al, v0, be, TS.Load(d)), d); TS.Store(TS.Update(al, v1, be, TS.Load(d + w)), d + w);
            TS.Store(TS.Update(al, v2, be, TS.Load(d + 2 * w)), d + 2 * w); TS.Store(TS.Update(al, v3, be, TS.Load(d + 3 * w)), d + 3 * w);
        }
    }

    /// <summary>
    /// C[0, 0 .. vectors·w) = alpha·a·B̃ + beta·C for a single row a of A (elements <paramref name="sa"/> apart) and kc
    /// rows of B read in place: the product of a recurrent step at batch size 1. A one-row tile keeps only NV = 4
    /// independent FMA chains, too few to hide the FMA latency; this keeps up to eight (the IRows types count vectors
    /// here). Each element is the same FMA chain over p as in <see cref="Tile{T, TV, TS}"/>, finished the same way,
    /// so the results are bit-identical to the tile's. With 32 vector registers, sixteen vectors at a time read B in
    /// longer runs: measured on a 64 × 256 float product (64 KB, from L2), 351 ns instead of 490 ns for two passes of eight.
    /// </summary>
    public static void Row<T, TV, TS>(int vectors, int kc, T* a, nint sa, T* b, nint ldb, T* c, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T>
    {
        int w = TS.Count;
        if (TS.MaxRows >= 6)
            for (; vectors >= 16; vectors -= 16, b += 16 * w, c += 16 * w) RowKernel<T, TV, TS, R16>(kc, a, sa, b, ldb, c, alpha, beta);
        for (; vectors >= 8; vectors -= 8, b += 8 * w, c += 8 * w) RowKernel<T, TV, TS, R8>(kc, a, sa, b, ldb, c, alpha, beta);
        switch (vectors)
        {
            case 7: RowKernel<T, TV, TS, R7>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 6: RowKernel<T, TV, TS, R6>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 5: RowKernel<T, TV, TS, R5>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 4: RowKernel<T, TV, TS, R4>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 3: RowKernel<T, TV, TS, R3>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 2: RowKernel<T, TV, TS, R2>(kc, a, sa, b, ldb, c, alpha, beta); break;
            case 1: RowKernel<T, TV, TS, R1>(kc, a, sa, b, ldb, c, alpha, beta); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowKernel<T, TV, TS, TN>(int kc, T* a, nint sa, T* b, nint ldb, T* c, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T> where TN : IRows
    {
        int w = TS.Count;
        TV z = default, v0 = z, v1 = z, v2 = z, v3 = z, v4 = z, v5 = z, v6 = z, v7 = z;
        TV v8 = z, v9 = z, v10 = z, v11 = z, v12 = z, v13 = z, v14 = z, v15 = z;
        for (int p = 0; p < kc; p++, a += sa, b += ldb)
        {
            TV x = TS.Splat(*a);
            v0 = TS.Fma(x, TS.Load(b), v0);
            if (TN.N > 1) v1 = TS.Fma(x, TS.Load(b + w), v1);
            if (TN.N > 2) v2 = TS.Fma(x, TS.Load(b + 2 * w), v2);
            if (TN.N > 3) v3 = TS.Fma(x, TS.Load(b + 3 * w), v3);
            if (TN.N > 4) v4 = TS.Fma(x, TS.Load(b + 4 * w), v4);
            if (TN.N > 5) v5 = TS.Fma(x, TS.Load(b + 5 * w), v5);
            if (TN.N > 6) v6 = TS.Fma(x, TS.Load(b + 6 * w), v6);
            if (TN.N > 7) v7 = TS.Fma(x, TS.Load(b + 7 * w), v7);
            if (TN.N > 8)
            {
                v8 = TS.Fma(x, TS.Load(b + 8 * w), v8); v9 = TS.Fma(x, TS.Load(b + 9 * w), v9);
                v10 = TS.Fma(x, TS.Load(b + 10 * w), v10); v11 = TS.Fma(x, TS.Load(b + 11 * w), v11);
                v12 = TS.Fma(x, TS.Load(b + 12 * w), v12); v13 = TS.Fma(x, TS.Load(b + 13 * w), v13);
                v14 = TS.Fma(x, TS.Load(b + 14 * w), v14); v15 = TS.Fma(x, TS.Load(b + 15 * w), v15);
            }
        }
        TV al = TS.Splat(alpha), be = TS.Splat(beta);
        bool overwrite = beta == T.Zero;
        FinishVector<T, TV, TS>(v0, c, al, be, overwrite);
        if (TN.N > 1) FinishVector<T, TV, TS>(v1, c + w, al, be, overwrite);
        if (TN.N > 2) FinishVector<T, TV, TS>(v2, c + 2 * w, al, be, overwrite);
        if (TN.N > 3) FinishVector<T, TV, TS>(v3, c + 3 * w, al, be, overwrite);
        if (TN.N > 4) FinishVector<T, TV, TS>(v4, c + 4 * w, al, be, overwrite);
        if (TN.N > 5) FinishVector<T, TV, TS>(v5, c + 5 * w, al, be, overwrite);
        if (TN.N > 6) FinishVector<T, TV, TS>(v6, c + 6 * w, al, be, overwrite);
        if (TN.N > 7) FinishVector<T, TV, TS>(v7, c + 7 * w, al, be, overwrite);
        if (TN.N <= 8) return;
        FinishVector<T, TV, TS>(v8, c + 8 * w, al, be, overwrite); FinishVector<T, TV, TS>(v9, c + 9 * w, al, be, overwrite);
        FinishVector<T, TV, TS>(v10, c + 10 * w, al, be, overwrite); FinishVector<T, TV, TS>(v11, c + 11 * w, al, be, overwrite);
        FinishVector<T, TV, TS>(v12, c + 12 * w, al, be, overwrite); FinishVector<T, TV, TS>(v13, c + 13 * w, al, be, overwrite);
        FinishVector<T, TV, TS>(v14, c + 14 * w, al, be, overwrite); FinishVector<T, TV, TS>(v15, c + 15 * w, al, be, overwrite);
    }

    // c = alpha·v (overwrite, so NaN in C never leaks) or alpha·v + beta·c, as StoreRow finishes a whole tile row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishVector<T, TV, TS>(TV v, T* c, TV alpha, TV beta, bool overwrite)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T> =>
        TS.Store(overwrite ? TS.Mul(alpha, v) : TS.Update(alpha, v, beta, TS.Load(c)), c);

    /// <summary>
    /// C[i, j] = alpha·(A row i · B row j) + beta·C for TR rows of A and <paramref name="cols"/> (≤ 4) rows of
    /// B stored [n, k]: for a few rows of A this beats transposing B into panels, which costs as much as the product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Dot<T, TV, TS, TR>(int cols, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<TV, T> where TR : IRows
    {
        int w = TS.Count, p = 0;
        // Missing B rows alias row 0: computed, never stored.
        T* b0 = b, b1 = cols > 1 ? b + ldb : b, b2 = cols > 2 ? b + 2 * ldb : b, b3 = cols > 3 ? b + 3 * ldb : b, a1 = a + lda;
        TV z = default, s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
        for (; p <= k - w; p += w)
        {
            TV y0 = TS.Load(b0 + p), y1 = TS.Load(b1 + p), y2 = TS.Load(b2 + p), y3 = TS.Load(b3 + p), x = TS.Load(a + p);
            s00 = TS.Fma(x, y0, s00); s01 = TS.Fma(x, y1, s01); s02 = TS.Fma(x, y2, s02); s03 = TS.Fma(x, y3, s03);
            if (TR.N > 1) { x = TS.Load(a1 + p); s10 = TS.Fma(x, y0, s10); s11 = TS.Fma(x, y1, s11); s12 = TS.Fma(x, y2, s12); s13 = TS.Fma(x, y3, s13); }
        }
        T* sums = stackalloc T[8];
        sums[0] = TS.Sum(s00); sums[1] = TS.Sum(s01); sums[2] = TS.Sum(s02); sums[3] = TS.Sum(s03);
        sums[4] = TS.Sum(s10); sums[5] = TS.Sum(s11); sums[6] = TS.Sum(s12); sums[7] = TS.Sum(s13);
        for (int r = 0; r < TR.N; r++)
            for (int j = 0; j < cols; j++)
            {
                T sum = sums[4 * r + j];
                T* ar = a + r * lda, bj = b + j * ldb;
                for (int q = p; q < k; q++) sum = T.FusedMultiplyAdd(ar[q], bj[q], sum);
                T* cj = c + r * ldc + j;
                *cj = beta == T.Zero ? alpha * sum : alpha * sum + beta * *cj;
            }
    }

    /// <summary>
    /// Packs Aᵀ[i0.., p0..] (mc × kc) of an A stored [k, m] into MR-row panels laid out [panel][p][MR] for the kernel's
    /// broadcasts. An untransposed A needs no packing: the kernel reads its rows in place (six rows, each contiguous).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops, few calls: skip the slow tier-0 / OSR code
    public static void PackTransposedA<T>(T* a, nint lda, int i0, int mc, int p0, int kc, T* dst) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += MR, dst += MR * kc)
        {
            int rows = Math.Min(MR, mc - ir);
            T* src = a + p0 * lda + i0 + ir; // a panel row is contiguous per p
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < rows; r++) dst[p * MR + r] = src[p * lda + r];
        }
    }

    /// <summary>
    /// Packs op(B)[p0.., j0..] (kc × nc) into panels of <paramref name="nr"/> columns laid out [panel][p][nr],
    /// zero-padded on the right so the kernel always loads whole vectors (and never meets stale subnormals or NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(bool trans, T* b, nint ldb, int p0, int kc, int j0, int nc, int nr, T* dst) where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr, dst += nr * kc)
        {
            int cols = Math.Min(nr, nc - jr);
            if (trans)
            {
                T* src = b + (j0 + jr) * ldb + p0; // B is stored [n, k]: packing transposes it
                // Four rows of B at a time, each read contiguously: walking p across all nr rows at once
                // touches nr rows that may lie a power of two apart, all in one cache set.
                int j = 0;
                for (; j + 4 <= cols; j += 4)
                {
                    T* s0 = src + j * ldb, s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb, d = dst + j;
                    for (int p = 0; p < kc; p++, d += nr) { d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; }
                }
                for (; j < cols; j++)
                    for (int p = 0; p < kc; p++) dst[p * nr + j] = src[j * ldb + p];
                for (; j < nr; j++)
                    for (int p = 0; p < kc; p++) dst[p * nr + j] = default;
            }
            else
            {
                T* src = b + p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++)
                {
                    new ReadOnlySpan<T>(src + p * ldb, cols).CopyTo(new Span<T>(dst + p * nr, cols));
                    if (cols < nr) new Span<T>(dst + p * nr + cols, nr - cols).Clear();
                }
            }
        }
    }
}
