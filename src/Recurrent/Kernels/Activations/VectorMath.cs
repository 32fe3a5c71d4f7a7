using System.Numerics;
using System.Runtime.Intrinsics;

namespace Recurrent.Kernels.Activations;

/// <summary>
/// Elementary functions the activations share, for float and double, at each vector width plus a scalar twin
/// that follows the same formula (so SIMD and scalar results differ only by the underlying exp/log).
/// </summary>
internal static class VectorMath
{
    /// <summary>
    /// Below this |x|, exp(x) − 1 loses digits to cancellation (about 1/|x| ulp), so <see cref="ExpM1{T}(T)"/>
    /// sums the Taylor series instead; at the bound the exp branch is within ~3 ulp.
    /// </summary>
    private const double ExpM1SeriesBound = 0.5;

    /// <summary>
    /// Taylor coefficients 1/k! of (exp(x) − 1)/x, k = 1, 2, …, enough that for |x| &lt; 0.5 the first omitted term
    /// is below 0.02 ulp (x^9/10! for float, x^15/16! for double).
    /// </summary>
    private static class ExpM1Series<T> where T : IFloatingPointIeee754<T>
    {
        internal static readonly T[] Coefficients = Enumerable.Range(1, typeof(T) == typeof(float) ? 9 : 15)
            .Select(k => T.CreateTruncating(1 / Enumerable.Range(1, k).Aggregate(1.0, (f, i) => f * i))).ToArray();
    }

    internal static T C<T>(double value) where T : IFloatingPointIeee754<T> => T.CreateTruncating(value);

    // Vector exp exists only as the non-generic float and double overloads; typeof checks fold away when jitted.
    internal static Vector128<T> Exp<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector128.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    internal static Vector256<T> Exp<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    internal static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    /// <summary>a·b + c rounded once, as TensorPrimitives.FusedMultiplyAdd computes it.</summary>
    internal static Vector512<T> FusedMultiplyAdd<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    internal static Vector128<T> Log<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector128.Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Log(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    internal static Vector256<T> Log<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector256.Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Log(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    internal static Vector512<T> Log<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector512.Log(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Log(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    /// <summary>exp(x) − 1, accurate near 0 (.NET's ExpM1 is exp(x) − 1, which has no correct digits for tiny x).</summary>
    internal static T ExpM1<T>(T x) where T : IFloatingPointIeee754<T>
    {
        if (!(T.Abs(x) < C<T>(ExpM1SeriesBound))) return T.Exp(x) - T.One;
        ReadOnlySpan<T> c = ExpM1Series<T>.Coefficients;
        T p = c[^1];
        for (int k = c.Length - 2; k >= 0; k--) p = p * x + c[k];
        return p * x;
    }

    internal static Vector128<T> ExpM1<T>(Vector128<T> x) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> c = ExpM1Series<T>.Coefficients;
        Vector128<T> p = Vector128.Create(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) p = p * x + Vector128.Create(c[k]);
        Vector128<T> series = Vector128.LessThan(Vector128.Abs(x), Vector128.Create(C<T>(ExpM1SeriesBound)));
        return Vector128.ConditionalSelect(series, p * x, Exp(x) - Vector128<T>.One);
    }

    internal static Vector256<T> ExpM1<T>(Vector256<T> x) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> c = ExpM1Series<T>.Coefficients;
        Vector256<T> p = Vector256.Create(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) p = p * x + Vector256.Create(c[k]);
        Vector256<T> series = Vector256.LessThan(Vector256.Abs(x), Vector256.Create(C<T>(ExpM1SeriesBound)));
        return Vector256.ConditionalSelect(series, p * x, Exp(x) - Vector256<T>.One);
    }

    internal static Vector512<T> ExpM1<T>(Vector512<T> x) where T : IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> c = ExpM1Series<T>.Coefficients;
        Vector512<T> p = Vector512.Create(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) p = p * x + Vector512.Create(c[k]);
        Vector512<T> series = Vector512.LessThan(Vector512.Abs(x), Vector512.Create(C<T>(ExpM1SeriesBound)));
        return Vector512.ConditionalSelect(series, p * x, Exp(x) - Vector512<T>.One);
    }

    /// <summary>
    /// log(1 + e) for e ≥ 0, accurate for tiny e (Kahan's trick: log(u)·e/(u − 1) with u = 1 + e cancels
    /// the rounding of u; .NET's LogP1 is log(1 + e), which returns 0 once e &lt; ε/2).
    /// </summary>
    internal static T Log1P<T>(T e) where T : IFloatingPointIeee754<T>
    {
        T u = T.One + e;
        return u == T.One ? e : T.Log(u) * (e / (u - T.One));
    }

    internal static Vector128<T> Log1P<T>(Vector128<T> e) where T : IFloatingPointIeee754<T>
    {
        Vector128<T> u = Vector128<T>.One + e;
        return Vector128.ConditionalSelect(Vector128.Equals(u, Vector128<T>.One), e, Log(u) * (e / (u - Vector128<T>.One)));
    }

    internal static Vector256<T> Log1P<T>(Vector256<T> e) where T : IFloatingPointIeee754<T>
    {
        Vector256<T> u = Vector256<T>.One + e;
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<T>.One), e, Log(u) * (e / (u - Vector256<T>.One)));
    }

    internal static Vector512<T> Log1P<T>(Vector512<T> e) where T : IFloatingPointIeee754<T>
    {
        Vector512<T> u = Vector512<T>.One + e;
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<T>.One), e, Log(u) * (e / (u - Vector512<T>.One)));
    }

    /// <summary>1/(1 + exp(−x)); saturates to exactly 0 or 1 without NaN (exp overflow gives 1/∞ = 0).</summary>
    internal static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    internal static Vector128<T> Sigmoid<T>(Vector128<T> x) where T : IFloatingPointIeee754<T> =>
        Vector128<T>.One / (Vector128<T>.One + Exp(-x));

    internal static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : IFloatingPointIeee754<T> =>
        Vector256<T>.One / (Vector256<T>.One + Exp(-x));

    internal static Vector512<T> Sigmoid<T>(Vector512<T> x) where T : IFloatingPointIeee754<T> =>
        Vector512<T>.One / (Vector512<T>.One + Exp(-x));
}
