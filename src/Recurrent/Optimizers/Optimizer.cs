using System.Numerics;
using System.Runtime.CompilerServices;
using Recurrent.Tensors;

namespace Recurrent.Optimizers;

/// <summary>
/// Updates parameters from their accumulated gradients, following Keras 3's definitions: optional gradient clipping
/// (<c>clipvalue</c>, per-variable <c>clipnorm</c>, <c>global_clipnorm</c>), then decoupled weight decay
/// (w −= lr·wd·w), then the optimizer's own rule. The step count starts at 0 and grows by one per <see cref="Apply{T}"/>.
/// </summary>
public abstract class Optimizer
{
    private readonly ConditionalWeakTable<object, object> _slots = new();
    private double _learningRate;

    /// <summary>Sets the options shared by every optimizer.</summary>
    protected Optimizer(double learningRate, LearningRateSchedule? schedule, double? clipNorm, double? clipValue,
        double? globalClipNorm, double? weightDecay)
    {
        if (new[] { clipNorm, globalClipNorm }.Count(c => c is not null) > 1 || (clipValue is not null && (clipNorm ?? globalClipNorm) is not null))
            throw new ArgumentException("Optimizer: set at most one of clipnorm, clipvalue and global_clipnorm.");
        if (learningRate < 0 || double.IsNaN(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Optimizer: learning rate must be non-negative.");
        _learningRate = learningRate;
        Schedule = schedule;
        ClipNorm = clipNorm;
        ClipValue = clipValue;
        GlobalClipNorm = globalClipNorm;
        WeightDecay = weightDecay;
    }

    /// <summary>The constant learning rate (ignored when a <see cref="Schedule"/> is set); callbacks may change it.</summary>
    public double LearningRate
    {
        get => Schedule?.At(Iterations) ?? _learningRate;
        set => _learningRate = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Optimizer: learning rate must be non-negative.");
    }

    /// <summary>A schedule that sets the learning rate from the step count, or null.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>Clip each parameter's gradient to this L2 norm.</summary>
    public double? ClipNorm { get; }

    /// <summary>Clip every gradient element to [−v, v].</summary>
    public double? ClipValue { get; }

    /// <summary>Scale all gradients together so their joint L2 norm is at most this.</summary>
    public double? GlobalClipNorm { get; }

    /// <summary>Decoupled weight decay coefficient, or null.</summary>
    public double? WeightDecay { get; }

    /// <summary>Number of updates applied so far.</summary>
    public long Iterations { get; protected set; }

    /// <summary>Keras' name, e.g. "adam".</summary>
    public abstract string Name { get; }

    /// <summary>Clips the gradients (in place) and updates every parameter once; then the step count grows by one.</summary>
    public void Apply<T>(IReadOnlyList<Parameter<T>> parameters) where T : struct, IFloatingPointIeee754<T>
    {
        ClipGradients(parameters);
        double rate = LearningRate;
        T learningRate = T.CreateChecked(rate);
        for (int p = 0; p < parameters.Count; p++)
        {
            Parameter<T> parameter = parameters[p];
            Span<T> value = parameter.Value.Span;
            if (WeightDecay is double decay && decay != 0)
            {
                T factor = T.One - learningRate * T.CreateChecked(decay);
                for (int i = 0; i < value.Length; i++) value[i] *= factor;
            }
            Update(value, parameter.Gradient.Span, Slots(parameter), learningRate, Iterations + 1);
        }
        Iterations++;
    }

    /// <summary>The learning rate set in the constructor or by a callback (what a schedule does not override).</summary>
    internal double ConstantLearningRate => _learningRate;

    /// <summary>Each parameter's state arrays (created as zeros when the parameter has not been updated yet), for a backup.</summary>
    internal T[][][] Slots<T>(IReadOnlyList<Parameter<T>> parameters) where T : struct, IFloatingPointIeee754<T> =>
        parameters.Select(Slots).ToArray();

    /// <summary>Continues from a backup: the step count, the learning rate and the slots as <see cref="Slots{T}(IReadOnlyList{Parameter{T}})"/> gave them.</summary>
    internal void Restore<T>(IReadOnlyList<Parameter<T>> parameters, long iterations, double learningRate, T[][][] slots) where T : struct, IFloatingPointIeee754<T>
    {
        T[][][] current = Slots(parameters);
        for (int p = 0; p < parameters.Count; p++)
            for (int k = 0; k < current[p].Length; k++) slots[p][k].CopyTo(current[p][k], 0);
        Iterations = iterations;
        _learningRate = learningRate;
    }

    // Looked up without a lambda: a delegate capturing this would be allocated on every call.
    private T[][] Slots<T>(Parameter<T> parameter) where T : struct, IFloatingPointIeee754<T>
    {
        if (_slots.TryGetValue(parameter, out object? slots)) return (T[][])slots;
        T[][] created = CreateSlots<T>(parameter.Value.Length);
        _slots.Add(parameter, created);
        return created;
    }

    /// <summary>The per-parameter state arrays (e.g. Adam's m and v), created on first use.</summary>
    protected abstract T[][] CreateSlots<T>(int length) where T : struct, IFloatingPointIeee754<T>;

    /// <summary>One update of <paramref name="value"/> from <paramref name="gradient"/>; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update<T>(Span<T> value, ReadOnlySpan<T> gradient, T[][] slots, T learningRate, long step)
        where T : struct, IFloatingPointIeee754<T>;

    private void ClipGradients<T>(IReadOnlyList<Parameter<T>> parameters) where T : struct, IFloatingPointIeee754<T>
    {
        if (ClipValue is double limit)
        {
            T v = T.CreateChecked(limit);
            for (int p = 0; p < parameters.Count; p++)
                foreach (ref T g in parameters[p].Gradient.Span) g = T.Clamp(g, -v, v);
        }
        if (ClipNorm is double maxNorm)
            for (int p = 0; p < parameters.Count; p++) Scale(parameters[p].Gradient.Span, maxNorm, Norm(parameters[p].Gradient.Span));
        if (GlobalClipNorm is double maxGlobal)
        {
            double squares = 0;
            for (int p = 0; p < parameters.Count; p++) squares += Math.Pow(Norm(parameters[p].Gradient.Span), 2);
            double total = Math.Sqrt(squares);
            for (int p = 0; p < parameters.Count; p++) Scale(parameters[p].Gradient.Span, maxGlobal, total);
        }
    }

    private static double Norm<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (T v in values) sum += double.CreateChecked(v * v);
        return Math.Sqrt(sum);
    }

    // g ·= maxNorm / max(norm, maxNorm): unchanged when already within the limit.
    private static void Scale<T>(Span<T> values, double maxNorm, double norm) where T : struct, IFloatingPointIeee754<T>
    {
        if (norm <= maxNorm) return;
        T factor = T.CreateChecked(maxNorm / norm);
        foreach (ref T v in values) v *= factor;
    }
}
