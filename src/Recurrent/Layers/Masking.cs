using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>Masking</c>: a step whose features all equal <c>maskValue</c> is padding. Such steps are zeroed and
/// masked for the layers downstream (recurrent layers then carry their state over them).
/// </summary>
/// <example><code>var masking = new Masking&lt;float&gt;(0f);   // [B, T, F] → same, plus a [B, T] mask</code></example>
public sealed class Masking<T> : WeightlessLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private bool[,]? _mask;
    private int[] _shape = [];

    /// <summary>Creates the layer.</summary>
    public Masking(T maskValue = default, string? name = null) : base(name, "masking")
    {
        MaskValue = maskValue;
    }

    /// <summary>The value that marks padding.</summary>
    public T MaskValue { get; }

    /// <inheritdoc/>
    public override string TypeName => "Masking";

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        Tensor<T> output = Forward(input, training);
        if (mask is not null)
            for (int b = 0; b < _mask!.GetLength(0); b++)
                for (int t = 0; t < _mask.GetLength(1); t++)
                    _mask[b, t] &= mask[b, t];
        outputMask = _mask;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3) throw new ShapeException($"{Name}: expected input of rank 3 [batch, time, features], got shape {input.ShapeText}.");
        int batch = input.Dim(0), steps = input.Dim(1), features = input.Dim(2);
        _shape = input.Shape.ToArray();
        _mask = new bool[batch, steps];
        Tensor<T> output = input.Clone();
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                Span<T> step = output.Span.Slice((b * steps + t) * features, features);
                foreach (T value in step)
                    if (value != MaskValue) { _mask[b, t] = true; break; }
                if (!_mask[b, t]) step.Clear();
            }
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        if (_mask is null) throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        outputGradient.RequireShape(Name, "output gradient", _shape);
        Tensor<T> inputGradient = outputGradient.Clone();
        int steps = _shape[1], features = _shape[2];
        for (int b = 0; b < _shape[0]; b++)
            for (int t = 0; t < steps; t++)
                if (!_mask[b, t]) inputGradient.Span.Slice((b * steps + t) * features, features).Clear();
        return inputGradient;
    }
}
