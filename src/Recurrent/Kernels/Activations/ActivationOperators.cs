using System.Numerics;
using System.Runtime.Intrinsics;
using static Recurrent.Kernels.Activations.VectorMath;

namespace Recurrent.Kernels.Activations;

/// <summary>
/// An element-wise activation in TensorPrimitives' operator style: the value and the gradient, each as a scalar
/// and at every vector width, so <see cref="PointwiseKernel"/> can run it at any width and the scalar forms
/// serve as the twin the vector forms are tested against.
/// </summary>
internal interface IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>f(x).</summary>
    static abstract T Invoke(T x);
    static abstract Vector128<T> Invoke(Vector128<T> x);
    static abstract Vector256<T> Invoke(Vector256<T> x);
    static abstract Vector512<T> Invoke(Vector512<T> x);

    /// <summary>dy·f'(x), given y = f(x).</summary>
    static abstract T Gradient(T x, T y, T dy);
    static abstract Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy);
    static abstract Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy);
    static abstract Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy);
}

/// <summary>f(x) = x.</summary>
internal readonly struct LinearOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => x;
    public static Vector128<T> Invoke(Vector128<T> x) => x;
    public static Vector256<T> Invoke(Vector256<T> x) => x;
    public static Vector512<T> Invoke(Vector512<T> x) => x;
    public static T Gradient(T x, T y, T dy) => dy;
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) => dy;
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) => dy;
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) => dy;
}

/// <summary>
/// tanh(x) = −e/(e + 2) with e = expm1(−2|x|), sign restored; expm1 keeps small |x| exact in relative terms
/// (TensorPrimitives.Tanh uses exp − 1 there). f' = 1 − y².
/// </summary>
internal readonly struct TanhOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x)
    {
        T e = ExpM1(C<T>(-2) * T.Abs(x));
        return T.CopySign(-e / (e + C<T>(2)), x);
    }

    public static Vector128<T> Invoke(Vector128<T> x)
    {
        Vector128<T> e = ExpM1(Vector128.Create(C<T>(-2)) * Vector128.Abs(x));
        return Vector128.CopySign(-e / (e + Vector128.Create(C<T>(2))), x);
    }

    public static Vector256<T> Invoke(Vector256<T> x)
    {
        Vector256<T> e = ExpM1(Vector256.Create(C<T>(-2)) * Vector256.Abs(x));
        return Vector256.CopySign(-e / (e + Vector256.Create(C<T>(2))), x);
    }

    public static Vector512<T> Invoke(Vector512<T> x)
    {
        Vector512<T> e = ExpM1(Vector512.Create(C<T>(-2)) * Vector512.Abs(x));
        return Vector512.CopySign(-e / (e + Vector512.Create(C<T>(2))), x);
    }

    public static T Gradient(T x, T y, T dy) => dy * (T.One - y * y);
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) => dy * (Vector128<T>.One - y * y);
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) => dy * (Vector256<T>.One - y * y);
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) => dy * (Vector512<T>.One - y * y);
}

/// <summary>f = 1/(1 + exp(−x)); f' = y(1 − y), as TensorFlow computes it (cheap, absolute error ≤ ε).</summary>
internal readonly struct SigmoidOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => Sigmoid(x);
    public static Vector128<T> Invoke(Vector128<T> x) => Sigmoid(x);
    public static Vector256<T> Invoke(Vector256<T> x) => Sigmoid(x);
    public static Vector512<T> Invoke(Vector512<T> x) => Sigmoid(x);
    public static T Gradient(T x, T y, T dy) => dy * (y * (T.One - y));
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) => dy * (y * (Vector128<T>.One - y));
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) => dy * (y * (Vector256<T>.One - y));
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) => dy * (y * (Vector512<T>.One - y));
}

/// <summary>
/// Keras 3 hard_sigmoid: clip(x/6 + 0.5, 0, 1). Division (not ·(1/6)) makes the kinks ±3 land exactly on 0 and 1.
/// f' = 1/6 strictly inside (−3, 3), else 0.
/// </summary>
internal readonly struct HardSigmoidOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => T.Clamp(x / C<T>(6) + C<T>(0.5), T.Zero, T.One);

    public static Vector128<T> Invoke(Vector128<T> x) =>
        Vector128.Clamp(x / Vector128.Create(C<T>(6)) + Vector128.Create(C<T>(0.5)), Vector128<T>.Zero, Vector128<T>.One);

    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.Clamp(x / Vector256.Create(C<T>(6)) + Vector256.Create(C<T>(0.5)), Vector256<T>.Zero, Vector256<T>.One);

    public static Vector512<T> Invoke(Vector512<T> x) =>
        Vector512.Clamp(x / Vector512.Create(C<T>(6)) + Vector512.Create(C<T>(0.5)), Vector512<T>.Zero, Vector512<T>.One);

    public static T Gradient(T x, T y, T dy) => x > C<T>(-3) && x < C<T>(3) ? dy * C<T>(1.0 / 6) : T.Zero;

    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(C<T>(-3))) & Vector128.LessThan(x, Vector128.Create(C<T>(3))),
            dy * Vector128.Create(C<T>(1.0 / 6)), Vector128<T>.Zero);

    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(C<T>(-3))) & Vector256.LessThan(x, Vector256.Create(C<T>(3))),
            dy * Vector256.Create(C<T>(1.0 / 6)), Vector256<T>.Zero);

    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(C<T>(-3))) & Vector512.LessThan(x, Vector512.Create(C<T>(3))),
            dy * Vector512.Create(C<T>(1.0 / 6)), Vector512<T>.Zero);
}

/// <summary>Keras 1/2 and tf.keras 2 hard_sigmoid: clip(0.2x + 0.5, 0, 1); f' = 0.2 strictly inside (−2.5, 2.5), else 0.</summary>
internal readonly struct HardSigmoidLegacyOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => T.Clamp(C<T>(0.2) * x + C<T>(0.5), T.Zero, T.One);

    public static Vector128<T> Invoke(Vector128<T> x) =>
        Vector128.Clamp(Vector128.Create(C<T>(0.2)) * x + Vector128.Create(C<T>(0.5)), Vector128<T>.Zero, Vector128<T>.One);

    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.Clamp(Vector256.Create(C<T>(0.2)) * x + Vector256.Create(C<T>(0.5)), Vector256<T>.Zero, Vector256<T>.One);

    public static Vector512<T> Invoke(Vector512<T> x) =>
        Vector512.Clamp(Vector512.Create(C<T>(0.2)) * x + Vector512.Create(C<T>(0.5)), Vector512<T>.Zero, Vector512<T>.One);

    public static T Gradient(T x, T y, T dy) => x > C<T>(-2.5) && x < C<T>(2.5) ? dy * C<T>(0.2) : T.Zero;

    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(C<T>(-2.5))) & Vector128.LessThan(x, Vector128.Create(C<T>(2.5))),
            dy * Vector128.Create(C<T>(0.2)), Vector128<T>.Zero);

    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(C<T>(-2.5))) & Vector256.LessThan(x, Vector256.Create(C<T>(2.5))),
            dy * Vector256.Create(C<T>(0.2)), Vector256<T>.Zero);

    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(C<T>(-2.5))) & Vector512.LessThan(x, Vector512.Create(C<T>(2.5))),
            dy * Vector512.Create(C<T>(0.2)), Vector512<T>.Zero);
}

/// <summary>f = max(x, 0); f' = 1 for x &gt; 0, else 0 (relu'(0) = 0). Selecting dy, not multiplying, keeps ∞·0 out.</summary>
internal readonly struct ReluOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => T.Max(x, T.Zero);
    public static Vector128<T> Invoke(Vector128<T> x) => Vector128.Max(x, Vector128<T>.Zero);
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.Max(x, Vector256<T>.Zero);
    public static Vector512<T> Invoke(Vector512<T> x) => Vector512.Max(x, Vector512<T>.Zero);
    public static T Gradient(T x, T y, T dy) => x > T.Zero ? dy : T.Zero;
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), dy, Vector128<T>.Zero);
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), dy, Vector256<T>.Zero);
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), dy, Vector512<T>.Zero);
}

/// <summary>f = x for x &gt; 0, else expm1(x) (alpha 1); f' = 1 for x &gt; 0, else y + 1 (= exp(x), free from y).</summary>
internal readonly struct EluOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => x > T.Zero ? x : ExpM1(x);
    public static Vector128<T> Invoke(Vector128<T> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x, ExpM1(x));
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, ExpM1(x));
    public static Vector512<T> Invoke(Vector512<T> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, ExpM1(x));
    public static T Gradient(T x, T y, T dy) => x > T.Zero ? dy : dy * (y + T.One);
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), dy, dy * (y + Vector128<T>.One));
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), dy, dy * (y + Vector256<T>.One));
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), dy, dy * (y + Vector512<T>.One));
}

/// <summary>
/// f = scale·(x for x &gt; 0, else alpha·expm1(x)) with Keras' constants; f' = scale for x &gt; 0,
/// else y + scale·alpha (= scale·alpha·exp(x)); at the kink 0 the left derivative, as TensorFlow.
/// </summary>
internal readonly struct SeluOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    internal const double Alpha = 1.67326324235437728481, Scale = 1.05070098735548049342;
    private const double ScaleAlpha = Scale * Alpha;

    public static T Invoke(T x) => C<T>(Scale) * (x > T.Zero ? x : C<T>(Alpha) * ExpM1(x));

    public static Vector128<T> Invoke(Vector128<T> x) => Vector128.Create(C<T>(Scale)) *
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x, Vector128.Create(C<T>(Alpha)) * ExpM1(x));

    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.Create(C<T>(Scale)) *
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, Vector256.Create(C<T>(Alpha)) * ExpM1(x));

    public static Vector512<T> Invoke(Vector512<T> x) => Vector512.Create(C<T>(Scale)) *
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, Vector512.Create(C<T>(Alpha)) * ExpM1(x));

    public static T Gradient(T x, T y, T dy) => dy * (x > T.Zero ? C<T>(Scale) : y + C<T>(ScaleAlpha));

    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) => dy *
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), Vector128.Create(C<T>(Scale)), y + Vector128.Create(C<T>(ScaleAlpha)));

    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) => dy *
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256.Create(C<T>(Scale)), y + Vector256.Create(C<T>(ScaleAlpha)));

    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) => dy *
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), Vector512.Create(C<T>(Scale)), y + Vector512.Create(C<T>(ScaleAlpha)));
}

/// <summary>
/// f = log(1 + exp(x)) computed as max(x, 0) + log1p(exp(−|x|)), which neither overflows for large x nor
/// loses tiny values for very negative x; f' = sigmoid(x), from x because 1 − exp(−y) would cancel.
/// </summary>
internal readonly struct SoftplusOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => T.Max(x, T.Zero) + Log1P(T.Exp(-T.Abs(x)));
    public static Vector128<T> Invoke(Vector128<T> x) => Vector128.Max(x, Vector128<T>.Zero) + Log1P(Exp(-Vector128.Abs(x)));
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.Max(x, Vector256<T>.Zero) + Log1P(Exp(-Vector256.Abs(x)));
    public static Vector512<T> Invoke(Vector512<T> x) => Vector512.Max(x, Vector512<T>.Zero) + Log1P(Exp(-Vector512.Abs(x)));
    public static T Gradient(T x, T y, T dy) => dy * Sigmoid(x);
    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy) => dy * Sigmoid(x);
    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy) => dy * Sigmoid(x);
    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy) => dy * Sigmoid(x);
}

/// <summary>f = x/(1 + |x|); f' = 1/(1 + |x|)², from x because 1 − |y| would cancel for large |x|.</summary>
internal readonly struct SoftsignOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => x / (T.One + T.Abs(x));
    public static Vector128<T> Invoke(Vector128<T> x) => x / (Vector128<T>.One + Vector128.Abs(x));
    public static Vector256<T> Invoke(Vector256<T> x) => x / (Vector256<T>.One + Vector256.Abs(x));
    public static Vector512<T> Invoke(Vector512<T> x) => x / (Vector512<T>.One + Vector512.Abs(x));

    public static T Gradient(T x, T y, T dy)
    {
        T d = T.One + T.Abs(x);
        return dy / (d * d);
    }

    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy)
    {
        Vector128<T> d = Vector128<T>.One + Vector128.Abs(x);
        return dy / (d * d);
    }

    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy)
    {
        Vector256<T> d = Vector256<T>.One + Vector256.Abs(x);
        return dy / (d * d);
    }

    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy)
    {
        Vector512<T> d = Vector512<T>.One + Vector512.Abs(x);
        return dy / (d * d);
    }
}

/// <summary>swish/silu: f = x·s with s = sigmoid(x); f' = s + x·s(1 − s) = s + y(1 − s) (s recomputed; y saves a multiply).</summary>
internal readonly struct SwishOperator<T> : IActivationOperator<T> where T : struct, IFloatingPointIeee754<T>
{
    public static T Invoke(T x) => x * Sigmoid(x);
    public static Vector128<T> Invoke(Vector128<T> x) => x * Sigmoid(x);
    public static Vector256<T> Invoke(Vector256<T> x) => x * Sigmoid(x);
    public static Vector512<T> Invoke(Vector512<T> x) => x * Sigmoid(x);

    public static T Gradient(T x, T y, T dy)
    {
        T s = Sigmoid(x);
        return dy * (s + y * (T.One - s));
    }

    public static Vector128<T> Gradient(Vector128<T> x, Vector128<T> y, Vector128<T> dy)
    {
        Vector128<T> s = Sigmoid(x);
        return dy * (s + y * (Vector128<T>.One - s));
    }

    public static Vector256<T> Gradient(Vector256<T> x, Vector256<T> y, Vector256<T> dy)
    {
        Vector256<T> s = Sigmoid(x);
        return dy * (s + y * (Vector256<T>.One - s));
    }

    public static Vector512<T> Gradient(Vector512<T> x, Vector512<T> y, Vector512<T> dy)
    {
        Vector512<T> s = Sigmoid(x);
        return dy * (s + y * (Vector512<T>.One - s));
    }
}
