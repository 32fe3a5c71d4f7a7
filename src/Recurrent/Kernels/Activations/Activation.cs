using System.Numerics;

namespace Recurrent.Kernels.Activations;

/// <summary>
/// An activation function with its derivative (placeholder with scalar loops; to be replaced by SIMD operators).
/// </summary>
public abstract class Activation<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The Keras name.</summary>
    public abstract string Name { get; }

    /// <summary>y = f(x). <paramref name="y"/> may be the same span as <paramref name="x"/>.</summary>
    public abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>dx = dy ⊙ f'(x), given x and y = f(x). <paramref name="dx"/> may be the same span as <paramref name="dy"/>.</summary>
    public abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx);

    /// <summary>The activation Keras calls <paramref name="name"/>.</summary>
    public static Activation<T> FromName(string? name) => name switch
    {
        null or "linear" => new Pointwise("linear", x => x, (x, y) => T.One),
        "tanh" => new Pointwise("tanh", T.Tanh, (x, y) => T.One - y * y),
        "sigmoid" => new Pointwise("sigmoid", x => T.One / (T.One + T.Exp(-x)), (x, y) => y * (T.One - y)),
        "relu" => new Pointwise("relu", x => T.Max(x, T.Zero), (x, y) => x > T.Zero ? T.One : T.Zero),
        "hard_sigmoid" => new Pointwise("hard_sigmoid", x => T.Clamp(x / T.CreateChecked(6) + T.CreateChecked(0.5), T.Zero, T.One),
            (x, y) => y > T.Zero && y < T.One ? T.One / T.CreateChecked(6) : T.Zero),
        "hard_sigmoid_legacy" => new Pointwise("hard_sigmoid_legacy", x => T.Clamp(T.CreateChecked(0.2) * x + T.CreateChecked(0.5), T.Zero, T.One),
            (x, y) => y > T.Zero && y < T.One ? T.CreateChecked(0.2) : T.Zero),
        _ => throw new ArgumentException($"Unknown activation '{name}'."),
    };

    private sealed class Pointwise(string name, Func<T, T> f, Func<T, T, T> df) : Activation<T>
    {
        public override string Name => name;
        public override void Forward(ReadOnlySpan<T> x, Span<T> y) { for (int i = 0; i < x.Length; i++) y[i] = f(x[i]); }
        public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        { for (int i = 0; i < x.Length; i++) dx[i] = dy[i] * df(x[i], y[i]); }
    }
}
