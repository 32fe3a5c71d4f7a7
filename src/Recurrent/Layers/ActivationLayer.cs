using System.Numerics;
using Recurrent.Kernels.Activations;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>Keras' <c>Activation</c> layer: applies an activation on the last axis (softmax per row).</summary>
/// <example>
/// <code>
/// var softmax = new ActivationLayer&lt;float&gt;("softmax");
/// Tensor&lt;float&gt; p = softmax.Forward(logits);   // [B, classes], each row sums to 1
/// </code>
/// </example>
public sealed class ActivationLayer<T> : WeightlessLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Tensor<T>? _input, _output;

    /// <summary>Creates the layer for the activation Keras calls <paramref name="activation"/>.</summary>
    public ActivationLayer(string activation, string? name = null) : base(name, "activation")
    {
        Activation = Activation<T>.FromName(activation);
    }

    /// <summary>The activation.</summary>
    public Activation<T> Activation { get; }

    /// <inheritdoc/>
    public override string TypeName => "Activation";

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ShapeException($"{Name}: expected input of rank 2 or more [batch, ..., features], got shape {input.ShapeText}.");
        var output = Tensor<T>.Zeros(input.Shape.ToArray());
        Activation.ForwardRows(input.Span, output.Span, input.Dim(input.Rank - 1));
        (_input, _output) = (input, output);
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        Tensor<T> input = _input ?? throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        outputGradient.RequireShapeOf(Name, "output gradient", input);
        var inputGradient = Tensor<T>.Zeros(input.Shape.ToArray());
        Activation.BackwardRows(input.Span, _output!.Span, outputGradient.Span, inputGradient.Span, input.Dim(input.Rank - 1));
        return inputGradient;
    }
}
