using System.Numerics;

namespace Recurrent.Tensors;

/// <summary>
/// A trainable weight: its value and the gradient that backward passes accumulate into (+=).
/// The caller zeroes the gradient once per training step, so shared weights and several consumers just work.
/// </summary>
public sealed class Parameter<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Creates a parameter with a zero gradient of the same shape.</summary>
    public Parameter(string name, Tensor<T> value)
    {
        Name = name;
        Value = value;
        Gradient = Tensor<T>.Zeros(value.Shape.ToArray());
    }

    /// <summary>The Keras weight name, e.g. <c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c>.</summary>
    public string Name { get; }

    /// <summary>The current value.</summary>
    public Tensor<T> Value { get; private set; }

    /// <summary>The accumulated gradient of the loss with respect to <see cref="Value"/>.</summary>
    public Tensor<T> Gradient { get; private set; }

    /// <summary>
    /// Makes this parameter the same weight as <paramref name="source"/>: its value and gradient become the source's
    /// tensors, so a layer's replica (for concurrent inference) sees every update of the original.
    /// </summary>
    internal void ShareWith(Parameter<T> source)
    {
        if (!source.Value.Shape.SequenceEqual(Value.Shape))
            throw new ShapeException($"Parameter '{Name}': cannot share a weight of shape {source.Value.ShapeText} with one of shape {Value.ShapeText}.");
        (Value, Gradient) = (source.Value, source.Gradient);
    }

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGradient() => Gradient.Span.Clear();
}
