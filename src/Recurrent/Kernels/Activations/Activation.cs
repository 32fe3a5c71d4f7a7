using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recurrent.Kernels.Activations;

/// <summary>
/// An activation function with its derivative, applied element-wise to spans (softmax: to the whole span as one row).
/// The built-in instances are stateless, allocation-free and thread-safe.
/// </summary>
/// <remarks>
/// Only the first <c>x.Length</c> elements of the other spans are read or written; they must be at least that long.
/// An output span may be the very same memory as an input span (in-place use) but must not partially overlap one.
/// </remarks>
public abstract class Activation<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Every name <see cref="FromName"/> accepts, in the order listed by its error message.</summary>
    internal static readonly string[] KnownNames =
        ["linear", "tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_legacy", "relu", "softmax",
         "elu", "selu", "softplus", "softsign", "swish", "silu"];

    /// <summary>Identity: f(x) = x.</summary>
    public static readonly Activation<T> Linear = new Pointwise<LinearOperator<T>>("linear");

    /// <summary>Hyperbolic tangent.</summary>
    public static readonly Activation<T> Tanh = new Pointwise<TanhOperator<T>>("tanh");

    /// <summary>Logistic sigmoid 1/(1 + exp(−x)).</summary>
    public static readonly Activation<T> Sigmoid = new Pointwise<SigmoidOperator<T>>("sigmoid");

    /// <summary>Keras 3 hard sigmoid: clip(x/6 + 0.5, 0, 1).</summary>
    public static readonly Activation<T> HardSigmoid = new Pointwise<HardSigmoidOperator<T>>("hard_sigmoid");

    /// <summary>Keras 1/2 and tf.keras 2 hard sigmoid: clip(0.2·x + 0.5, 0, 1).</summary>
    public static readonly Activation<T> HardSigmoidLegacy = new Pointwise<HardSigmoidLegacyOperator<T>>("hard_sigmoid_legacy");

    /// <summary>Rectified linear unit max(x, 0); its derivative at 0 is taken as 0.</summary>
    public static readonly Activation<T> Relu = new Pointwise<ReluOperator<T>>("relu");

    /// <summary>Softmax over the whole span as one row (subtracting the maximum first, so large inputs do not overflow).</summary>
    public static readonly Activation<T> Softmax = new SoftmaxActivation();

    /// <summary>Exponential linear unit with alpha 1: x for x &gt; 0, else exp(x) − 1.</summary>
    public static readonly Activation<T> Elu = new Pointwise<EluOperator<T>>("elu");

    /// <summary>Scaled exponential linear unit with Keras' alpha and scale; its derivative at 0 is the left one.</summary>
    public static readonly Activation<T> Selu = new Pointwise<SeluOperator<T>>("selu");

    /// <summary>log(1 + exp(x)), computed without overflow or underflow to NaN.</summary>
    public static readonly Activation<T> Softplus = new Pointwise<SoftplusOperator<T>>("softplus");

    /// <summary>x/(1 + |x|).</summary>
    public static readonly Activation<T> Softsign = new Pointwise<SoftsignOperator<T>>("softsign");

    /// <summary>x·sigmoid(x), named "swish".</summary>
    public static readonly Activation<T> Swish = new Pointwise<SwishOperator<T>>("swish");

    /// <summary>x·sigmoid(x), named "silu" (Keras 3's name for swish).</summary>
    public static readonly Activation<T> Silu = new Pointwise<SwishOperator<T>>("silu");

    /// <summary>The Keras name.</summary>
    public abstract string Name { get; }

    /// <summary>y = f(x). <paramref name="y"/> may be the same span as <paramref name="x"/>.</summary>
    public abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>dx = dy ⊙ f'(x), given x and y = f(x). <paramref name="dx"/> may be the same span as <paramref name="dy"/>.</summary>
    public abstract void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx);

    /// <summary>The activation Keras calls <paramref name="name"/>; <see langword="null"/> means linear.</summary>
    /// <exception cref="ArgumentException">The name is not one of the supported activations.</exception>
    public static Activation<T> FromName(string? name) => name switch
    {
        null or "linear" => Linear,
        "tanh" => Tanh,
        "sigmoid" => Sigmoid,
        "hard_sigmoid" => HardSigmoid,
        "hard_sigmoid_legacy" => HardSigmoidLegacy,
        "relu" => Relu,
        "softmax" => Softmax,
        "elu" => Elu,
        "selu" => Selu,
        "softplus" => Softplus,
        "softsign" => Softsign,
        "swish" => Swish,
        "silu" => Silu,
        _ => throw new ArgumentException(
            $"Unknown activation '{name}'. Known activations: {string.Join(", ", KnownNames)}.", nameof(name)),
    };

    // Test hooks: the vector path capped at a width in bits (0 = scalar loop), and the plain scalar twin it must
    // agree with. Subclasses outside this assembly have neither, so all default to the public methods.
    internal virtual void ForwardVectorized(ReadOnlySpan<T> x, Span<T> y, int maxVectorBits) => Forward(x, y);
    internal virtual void BackwardVectorized(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int maxVectorBits) => Backward(x, y, dy, dx);
    internal virtual void ForwardScalar(ReadOnlySpan<T> x, Span<T> y) => Forward(x, y);
    internal virtual void BackwardScalar(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) => Backward(x, y, dy, dx);

    private static void CheckForward(ReadOnlySpan<T> x, Span<T> y) => CheckOutput(x.Length, x, y, nameof(y));

    private static void CheckBackward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements; x has {x.Length}.", nameof(y));
        if (dy.Length < x.Length) throw new ArgumentException($"dy has {dy.Length} elements; x has {x.Length}.", nameof(dy));
        CheckOutput(x.Length, x, dx, nameof(dx));
        CheckOutput(x.Length, y[..x.Length], dx, nameof(dx));
        CheckOutput(x.Length, dy[..x.Length], dx, nameof(dx));
    }

    // Exact aliasing is safe element-wise; a shifted overlap would read elements already overwritten.
    private static void CheckOutput(int n, ReadOnlySpan<T> input, Span<T> output, string name)
    {
        if (output.Length < n) throw new ArgumentException($"{name} has {output.Length} elements; x has {n}.", name);
        if (input.Overlaps(output[..n], out int offset) && offset != 0)
            throw new ArgumentException($"{name} partially overlaps an input; it may only be the same span.", name);
    }

    private sealed class Pointwise<TOp>(string name) : Activation<T> where TOp : IActivationOperator<T>
    {
        public override string Name => name;

        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => ForwardVectorized(x, y, PointwiseKernel.NativeVectorBits);

        public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) =>
            BackwardVectorized(x, y, dy, dx, PointwiseKernel.NativeVectorBits);

        internal override void ForwardVectorized(ReadOnlySpan<T> x, Span<T> y, int maxVectorBits)
        {
            CheckForward(x, y);
            PointwiseKernel.Forward<T, TOp>(x, y, maxVectorBits);
        }

        internal override void BackwardVectorized(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int maxVectorBits)
        {
            CheckBackward(x, y, dy, dx);
            PointwiseKernel.Backward<T, TOp>(x, y, dy, dx, maxVectorBits);
        }

        internal override void ForwardScalar(ReadOnlySpan<T> x, Span<T> y)
        {
            CheckForward(x, y);
            for (int i = 0; i < x.Length; i++) y[i] = TOp.Invoke(x[i]);
        }

        internal override void BackwardScalar(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        {
            CheckBackward(x, y, dy, dx);
            for (int i = 0; i < x.Length; i++) dx[i] = TOp.Gradient(x[i], y[i], dy[i]);
        }
    }

    /// <summary>
    /// Softmax is a row reduction, not element-wise, so it is built from TensorPrimitives' vectorised passes
    /// (TensorPrimitives.SoftMax itself does not subtract the maximum and returns NaN for inputs like [1000, 1000]).
    /// </summary>
    private sealed class SoftmaxActivation : Activation<T>
    {
        public override string Name => "softmax";

        public override void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            CheckForward(x, y);
            if (x.IsEmpty) return;
            y = y[..x.Length];
            T max = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, max, y);
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum<T>(y), y);
        }

        // Jacobian-vector product: dx_i = y_i (dy_i − Σ_j dy_j y_j).
        public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        {
            CheckBackward(x, y, dy, dx);
            if (x.IsEmpty) return;
            int n = x.Length;
            T dot = TensorPrimitives.Dot(dy[..n], y[..n]);
            TensorPrimitives.AddMultiply(dy[..n], -dot, y[..n], dx[..n]);
        }

        // TensorPrimitives picks its own width, so a cap has nothing to select.
        internal override void ForwardVectorized(ReadOnlySpan<T> x, Span<T> y, int maxVectorBits) => Forward(x, y);

        internal override void BackwardVectorized(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int maxVectorBits) =>
            Backward(x, y, dy, dx);

        internal override void ForwardScalar(ReadOnlySpan<T> x, Span<T> y)
        {
            CheckForward(x, y);
            if (x.IsEmpty) return;
            T max = x[0];
            for (int i = 1; i < x.Length; i++) max = T.Max(max, x[i]);
            T sum = T.Zero;
            for (int i = 0; i < x.Length; i++) sum += y[i] = T.Exp(x[i] - max);
            for (int i = 0; i < x.Length; i++) y[i] /= sum;
        }

        internal override void BackwardScalar(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        {
            CheckBackward(x, y, dy, dx);
            T dot = T.Zero;
            for (int i = 0; i < x.Length; i++) dot += dy[i] * y[i];
            for (int i = 0; i < x.Length; i++) dx[i] = (dy[i] - dot) * y[i];
        }
    }
}

/// <summary>
/// The one loop every element-wise activation runs through: full vectors of the widest enabled width, then the
/// tail as one last vector overlapping the previous (TensorPrimitives' trick); spans shorter than the narrowest
/// vector go scalar.
/// </summary>
internal static class PointwiseKernel
{
    /// <summary>The widest vector the hardware runs natively (wider ones would be emulated in software); 0 if none.</summary>
    internal static readonly int NativeVectorBits =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    internal static void Forward<T, TOp>(ReadOnlySpan<T> x, Span<T> y, int maxVectorBits)
        where T : struct, IFloatingPointIeee754<T> where TOp : IActivationOperator<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length;
        if (!Vector128<T>.IsSupported) maxVectorBits = 0;

        // Each branch computes the last vector before the loop: if y aliases x, the loop overwrites part of its input.
        if (maxVectorBits >= 512 && n >= (nuint)Vector512<T>.Count)
        {
            nuint width = (nuint)Vector512<T>.Count, last = n - width;
            Vector512<T> tail = TOp.Invoke(Vector512.LoadUnsafe(ref xs, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
            tail.StoreUnsafe(ref ys, last);
        }
        else if (maxVectorBits >= 256 && n >= (nuint)Vector256<T>.Count)
        {
            nuint width = (nuint)Vector256<T>.Count, last = n - width;
            Vector256<T> tail = TOp.Invoke(Vector256.LoadUnsafe(ref xs, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
            tail.StoreUnsafe(ref ys, last);
        }
        else if (maxVectorBits >= 128 && n >= (nuint)Vector128<T>.Count)
        {
            nuint width = (nuint)Vector128<T>.Count, last = n - width;
            Vector128<T> tail = TOp.Invoke(Vector128.LoadUnsafe(ref xs, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Invoke(Vector128.LoadUnsafe(ref xs, i)).StoreUnsafe(ref ys, i);
            tail.StoreUnsafe(ref ys, last);
        }
        else
        {
            for (nuint i = 0; i < n; i++) Unsafe.Add(ref ys, i) = TOp.Invoke(Unsafe.Add(ref xs, i));
        }
    }

    internal static void Backward<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int maxVectorBits)
        where T : struct, IFloatingPointIeee754<T> where TOp : IActivationOperator<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        ref T dys = ref MemoryMarshal.GetReference(dy);
        ref T dxs = ref MemoryMarshal.GetReference(dx);
        nuint n = (nuint)x.Length;
        if (!Vector128<T>.IsSupported) maxVectorBits = 0;

        if (maxVectorBits >= 512 && n >= (nuint)Vector512<T>.Count)
        {
            nuint width = (nuint)Vector512<T>.Count, last = n - width;
            Vector512<T> tail = TOp.Gradient(Vector512.LoadUnsafe(ref xs, last), Vector512.LoadUnsafe(ref ys, last), Vector512.LoadUnsafe(ref dys, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Gradient(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ys, i), Vector512.LoadUnsafe(ref dys, i)).StoreUnsafe(ref dxs, i);
            tail.StoreUnsafe(ref dxs, last);
        }
        else if (maxVectorBits >= 256 && n >= (nuint)Vector256<T>.Count)
        {
            nuint width = (nuint)Vector256<T>.Count, last = n - width;
            Vector256<T> tail = TOp.Gradient(Vector256.LoadUnsafe(ref xs, last), Vector256.LoadUnsafe(ref ys, last), Vector256.LoadUnsafe(ref dys, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Gradient(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ys, i), Vector256.LoadUnsafe(ref dys, i)).StoreUnsafe(ref dxs, i);
            tail.StoreUnsafe(ref dxs, last);
        }
        else if (maxVectorBits >= 128 && n >= (nuint)Vector128<T>.Count)
        {
            nuint width = (nuint)Vector128<T>.Count, last = n - width;
            Vector128<T> tail = TOp.Gradient(Vector128.LoadUnsafe(ref xs, last), Vector128.LoadUnsafe(ref ys, last), Vector128.LoadUnsafe(ref dys, last));
            for (nuint i = 0; i < last; i += width)
                TOp.Gradient(Vector128.LoadUnsafe(ref xs, i), Vector128.LoadUnsafe(ref ys, i), Vector128.LoadUnsafe(ref dys, i)).StoreUnsafe(ref dxs, i);
            tail.StoreUnsafe(ref dxs, last);
        }
        else
        {
            for (nuint i = 0; i < n; i++)
                Unsafe.Add(ref dxs, i) = TOp.Gradient(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), Unsafe.Add(ref dys, i));
        }
    }
}
