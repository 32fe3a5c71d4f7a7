using System.Numerics;

namespace Recurrent.Kernels;

/// <summary>
/// The scalar twin of <see cref="Gemm"/>: the textbook triple loop, used by the tests as the reference.
/// </summary>
public static class GemmReference
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C with the same arguments as <see cref="Gemm.Multiply{T}"/>.</summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc) where T : struct, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T av = transposeA ? a[p * lda + i] : a[i * lda + p];
                    T bv = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                // beta = 0 overwrites C, as BLAS does, so NaN left in C never leaks into the result.
                c[i * ldc + j] = beta == T.Zero ? alpha * sum : alpha * sum + beta * c[i * ldc + j];
            }
        }
    }
}
