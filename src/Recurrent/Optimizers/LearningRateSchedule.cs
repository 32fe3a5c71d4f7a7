namespace Recurrent.Optimizers;

/// <summary>A learning rate that depends on the optimizer's step count (batches, not epochs), as Keras' schedules.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="step"/> (0 for the first update).</summary>
    public abstract double At(long step);

    /// <summary>Keras' <c>ExponentialDecay</c>: lr₀ · rate^(step / decaySteps), the exponent floored when <paramref name="staircase"/>.</summary>
    public static LearningRateSchedule ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false) =>
        decaySteps <= 0 ? throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "ExponentialDecay: decay_steps must be positive.")
            : new Function(step =>
            {
                double exponent = (double)step / decaySteps;
                return initialLearningRate * Math.Pow(decayRate, staircase ? Math.Floor(exponent) : exponent);
            });

    /// <summary>Keras' <c>PiecewiseConstantDecay</c> (step decay): values[i] while step ≤ boundaries[i], then the last value.</summary>
    public static LearningRateSchedule PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<double> values) =>
        values.Count != boundaries.Count + 1
            ? throw new ArgumentException($"PiecewiseConstantDecay: expected {boundaries.Count + 1} values for {boundaries.Count} boundaries, got {values.Count}.")
            : new Function(step =>
            {
                for (int i = 0; i < boundaries.Count; i++)
                    if (step <= boundaries[i]) return values[i];
                return values[^1];
            });

    /// <summary>Keras' <c>CosineDecay</c> without warm-up: lr₀ · ((1 − α) · ½(1 + cos(π · min(step, decaySteps) / decaySteps)) + α).</summary>
    public static LearningRateSchedule CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0) =>
        decaySteps <= 0 ? throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "CosineDecay: decay_steps must be positive.")
            : new Function(step =>
            {
                double progress = Math.Min(step, decaySteps) / (double)decaySteps;
                return initialLearningRate * ((1 - alpha) * 0.5 * (1 + Math.Cos(Math.PI * progress)) + alpha);
            });

    private sealed class Function(Func<long, double> rate) : LearningRateSchedule
    {
        public override double At(long step) => rate(step);
    }
}
