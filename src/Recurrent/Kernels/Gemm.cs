using System.Numerics;

namespace Recurrent.Kernels;

/// <summary>General matrix multiply on row-major spans (placeholder: delegates to the reference).</summary>
public static class Gemm
{
    /// <summary>
    /// C[m, n] = alpha·op(A)[m, k]·op(B)[k, n] + beta·C, row-major with leading dimensions
    /// <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/>; op(X) is X or Xᵀ.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc) where T : struct, IFloatingPointIeee754<T>
        => GemmReference.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
