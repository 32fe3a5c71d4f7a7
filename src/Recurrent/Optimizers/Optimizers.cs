using System.Numerics;

namespace Recurrent.Optimizers;

/// <summary>
/// Keras' SGD: without momentum w −= lr·g; with momentum m = μ·m − lr·g and w += m (Nesterov: w += μ·m − lr·g).
/// Equals PyTorch's SGD (dampening 0) while the learning rate is constant.
/// </summary>
public sealed class Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false, LearningRateSchedule? schedule = null,
    double? clipNorm = null, double? clipValue = null, double? globalClipNorm = null, double? weightDecay = null)
    : Optimizer(learningRate, schedule, clipNorm, clipValue, globalClipNorm, weightDecay)
{
    /// <summary>Momentum μ.</summary>
    public double Momentum { get; } = momentum;

    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    protected override T[][] CreateSlots<T>(int length) => Momentum == 0 ? [] : [new T[length]];

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T learningRate, long step)
    {
        if (Momentum == 0)
        {
            for (int i = 0; i < value.Length; i++) value[i] -= learningRate * gradient[i];
            return;
        }
        T mu = T.CreateChecked(Momentum);
        T[] velocity = slots[0];
        for (int i = 0; i < value.Length; i++)
        {
            velocity[i] = mu * velocity[i] - learningRate * gradient[i];
            value[i] += Nesterov ? mu * velocity[i] - learningRate * gradient[i] : velocity[i];
        }
    }
}

/// <summary>
/// Keras' Adam: m += (1 − β₁)(g − m), v += (1 − β₂)(g² − v), w −= lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
/// (AMSGrad: the running maximum of v). Keras puts ε after the bias correction of the step size, PyTorch before
/// (√(v/(1 − β₂ᵗ)) + ε): the two agree when ε is negligible next to √v.
/// </summary>
public class Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false,
    LearningRateSchedule? schedule = null, double? clipNorm = null, double? clipValue = null, double? globalClipNorm = null, double? weightDecay = null)
    : Optimizer(learningRate, schedule, clipNorm, clipValue, globalClipNorm, weightDecay)
{
    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>ε added to √v.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>Use the running maximum of v.</summary>
    public bool Amsgrad { get; } = amsgrad;

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    protected override T[][] CreateSlots<T>(int length) => Amsgrad ? [new T[length], new T[length], new T[length]] : [new T[length], new T[length]];

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T learningRate, long step)
    {
        T stepSize = learningRate * T.CreateChecked(Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
        // AMSGrad stays scalar: T.Max and the vector maximum disagree on NaN and signed zeros.
        int done = Amsgrad ? 0 : UpdateVectorized(value, gradient, slots, stepSize);
        UpdateScalar(value, gradient, slots, stepSize, done);
    }

    // The scalar twin of UpdateVectorized (and its tail), from element `start` on.
    internal void UpdateScalar<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T stepSize, int start)
        where T : struct, IFloatingPointIeee754<T>
    {
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), eps = T.CreateChecked(Epsilon);
        T[] m = slots[0], v = slots[1];
        for (int i = start; i < value.Length; i++)
        {
            T g = gradient[i];
            m[i] += (g - m[i]) * (T.One - b1);
            v[i] += (g * g - v[i]) * (T.One - b2);
            T second = v[i];
            if (Amsgrad) second = slots[2][i] = T.Max(slots[2][i], v[i]);
            value[i] -= stepSize * m[i] / (T.Sqrt(second) + eps);
        }
    }

    // Whole vectors of the non-AMSGrad update, each element through the same operations in the same order as the
    // scalar loop (no fused multiply-adds), so the results are bit-identical; returns how many elements it did.
    internal int UpdateVectorized<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T stepSize)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (!Vector.IsHardwareAccelerated || !Vector<T>.IsSupported) return 0;
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2);
        Vector<T> keep1 = new(T.One - b1), keep2 = new(T.One - b2), eps = new(T.CreateChecked(Epsilon)), size = new(stepSize);
        Span<T> m = slots[0], v = slots[1];
        int whole = value.Length - value.Length % Vector<T>.Count;
        for (int i = 0; i < whole; i += Vector<T>.Count)
        {
            var g = new Vector<T>(gradient[i..]);
            Vector<T> mi = new Vector<T>(m[i..]), vi = new Vector<T>(v[i..]);
            mi += (g - mi) * keep1;
            vi += (g * g - vi) * keep2;
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            (new Vector<T>(value[i..]) - size * mi / (Vector.SquareRoot(vi) + eps)).CopyTo(value[i..]);
        }
        return whole;
    }
}

/// <summary>Keras' AdamW: Adam with decoupled weight decay w −= lr·wd·w before each update (default wd 0.004).</summary>
public sealed class AdamW(double learningRate = 0.001, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-7, bool amsgrad = false, LearningRateSchedule? schedule = null, double? clipNorm = null, double? clipValue = null,
    double? globalClipNorm = null)
    : Adam(learningRate, beta1, beta2, epsilon, amsgrad, schedule, clipNorm, clipValue, globalClipNorm, weightDecay)
{
    /// <inheritdoc/>
    public override string Name => "adamw";
}

/// <summary>
/// Keras' RMSprop: v = ρv + (1 − ρ)g² (centered: minus the square of the running mean of g), step = lr·g / √(v + ε),
/// with momentum m = μm + step, w −= m. Keras puts ε inside the square root, PyTorch outside; they agree when ε is
/// negligible. Keras' ρ defaults to 0.9 (PyTorch's alpha to 0.99).
/// </summary>
public sealed class RmsProp(double learningRate = 0.001, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false,
    LearningRateSchedule? schedule = null, double? clipNorm = null, double? clipValue = null, double? globalClipNorm = null, double? weightDecay = null)
    : Optimizer(learningRate, schedule, clipNorm, clipValue, globalClipNorm, weightDecay)
{
    /// <summary>Decay ρ of the squared-gradient average.</summary>
    public double Rho { get; } = rho;

    /// <summary>Momentum μ.</summary>
    public double Momentum { get; } = momentum;

    /// <summary>ε inside the square root.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>Divide by the variance estimate rather than the second moment.</summary>
    public bool Centered { get; } = centered;

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <inheritdoc/>
    protected override T[][] CreateSlots<T>(int length) => [new T[length], new T[length], new T[length]];

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T learningRate, long step)
    {
        T rho = T.CreateChecked(Rho), mu = T.CreateChecked(Momentum), eps = T.CreateChecked(Epsilon);
        T[] average = slots[0], mean = slots[1], velocity = slots[2];
        for (int i = 0; i < value.Length; i++)
        {
            T g = gradient[i];
            average[i] = rho * average[i] + (T.One - rho) * g * g;
            T denominator = average[i];
            if (Centered)
            {
                mean[i] = rho * mean[i] + (T.One - rho) * g;
                denominator -= mean[i] * mean[i];
            }
            T increment = learningRate * g / T.Sqrt(denominator + eps);
            if (Momentum > 0)
            {
                velocity[i] = mu * velocity[i] + increment;
                value[i] -= velocity[i];
            }
            else value[i] -= increment;
        }
    }
}

/// <summary>
/// Keras' Adagrad: a += g², w −= lr·g / √(a + ε), with a starting at 0.1 (PyTorch: 0, and ε outside the root).
/// </summary>
public sealed class Adagrad(double learningRate = 0.001, double initialAccumulatorValue = 0.1, double epsilon = 1e-7,
    LearningRateSchedule? schedule = null, double? clipNorm = null, double? clipValue = null, double? globalClipNorm = null, double? weightDecay = null)
    : Optimizer(learningRate, schedule, clipNorm, clipValue, globalClipNorm, weightDecay)
{
    /// <summary>Starting value of the accumulator.</summary>
    public double InitialAccumulatorValue { get; } = initialAccumulatorValue;

    /// <summary>ε inside the square root.</summary>
    public double Epsilon { get; } = epsilon;

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <inheritdoc/>
    protected override T[][] CreateSlots<T>(int length)
    {
        var accumulator = new T[length];
        Array.Fill(accumulator, T.CreateChecked(InitialAccumulatorValue));
        return [accumulator];
    }

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T learningRate, long step)
    {
        T eps = T.CreateChecked(Epsilon);
        T[] accumulator = slots[0];
        for (int i = 0; i < value.Length; i++)
        {
            accumulator[i] += gradient[i] * gradient[i];
            value[i] -= learningRate * gradient[i] / T.Sqrt(accumulator[i] + eps);
        }
    }
}
