using System.Numerics;

namespace Recurrent.Kernels.Activations;

/// <summary>Applies an activation to each row of a row-major matrix (what matters for softmax; the same for the rest).</summary>
public static class ActivationRows
{
    /// <summary>y = f(x) row by row, rows of <paramref name="width"/> elements.</summary>
    public static void ForwardRows<T>(this Activation<T> activation, ReadOnlySpan<T> x, Span<T> y, int width)
        where T : struct, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += width)
            activation.Forward(x.Slice(start, width), y.Slice(start, width));
    }

    /// <summary>dx = dy ⊙ f'(x) row by row, rows of <paramref name="width"/> elements.</summary>
    public static void BackwardRows<T>(this Activation<T> activation, ReadOnlySpan<T> x, ReadOnlySpan<T> y,
        ReadOnlySpan<T> dy, Span<T> dx, int width) where T : struct, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += width)
            activation.Backward(x.Slice(start, width), y.Slice(start, width), dy.Slice(start, width), dx.Slice(start, width));
    }
}
