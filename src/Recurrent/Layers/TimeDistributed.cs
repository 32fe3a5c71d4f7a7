using System.Numerics;
using Recurrent.Kernels.Activations;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>TimeDistributed</c>: applies the wrapped layer to every time step independently, by folding the time
/// axis into the batch: [B, T, ...] → inner on [B·T, ...] → [B, T, ...'].
/// </summary>
/// <example>
/// <code>
/// var perStep = new TimeDistributed&lt;float&gt;(new Dense&lt;float&gt;(10, "softmax"));   // [B, T, H] → [B, T, 10]
/// </code>
/// </example>
public sealed class TimeDistributed<T> : Layer<T>, IFusedOutput<T> where T : struct, IFloatingPointIeee754<T>
{
    private int _batch, _steps;

    /// <summary>Wraps <paramref name="layer"/>.</summary>
    public TimeDistributed(Layer<T> layer, string? name = null) : base(name, "time_distributed")
    {
        Layer = layer ?? throw new ArgumentNullException(nameof(layer));
    }

    /// <summary>The wrapped layer.</summary>
    public Layer<T> Layer { get; }

    /// <inheritdoc/>
    internal override IEnumerable<Layer<T>> InnerLayers => [Layer];

    /// <inheritdoc/>
    public override string TypeName => "TimeDistributed";

    /// <inheritdoc/>
    public override bool IsBuilt => Layer.IsBuilt;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => Layer.Parameters;

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length < 2)
            throw new ShapeException($"{Name}: expected input of rank 3 or more [batch, time, ...], got shape [batch, {string.Join(", ", inputShape.ToArray())}].");
        Layer.Build(inputShape[1..]);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => [inputShape[0], .. Layer.ComputeOutputShape(inputShape[1..])];

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights) => Layer.SetWeights(weights);

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 3)
            throw new ShapeException($"{Name}: expected input of rank 3 or more [batch, time, ...], got shape {input.ShapeText}.");
        (_batch, _steps) = (input.Dim(0), input.Dim(1));
        Tensor<T> output = Layer.Forward(input.Reshape([_batch * _steps, .. input.Shape[2..]]), training);
        return output.Reshape([_batch, _steps, .. output.Shape[1..]]);
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient) => BackwardThrough(outputGradient, Layer.Backward);

    private Tensor<T> BackwardThrough(Tensor<T> outputGradient, Func<Tensor<T>, Tensor<T>> innerBackward)
    {
        if (outputGradient.Rank < 2 || outputGradient.Dim(0) != _batch || outputGradient.Dim(1) != _steps)
            throw new ShapeException($"{Name}: output gradient expected shape [{_batch}, {_steps}, ...], got {outputGradient.ShapeText}.");
        Tensor<T> inputGradient = innerBackward(outputGradient.Reshape([_batch * _steps, .. outputGradient.Shape[2..]]));
        return inputGradient.Reshape([_batch, _steps, .. inputGradient.Shape[1..]]);
    }

    // Fusion passes through to a wrapped Dense, so TimeDistributed(Dense(softmax)) trains on stable logits too.
    private IFusedOutput<T> Inner => Layer as IFusedOutput<T>
        ?? throw new InvalidOperationException($"{Name}: the wrapped layer has no fusable output activation.");

    Activation<T> IFusedOutput<T>.OutputActivation => Layer is IFusedOutput<T> inner ? inner.OutputActivation : Activation<T>.Linear;

    Tensor<T> IFusedOutput<T>.PreActivation
    {
        get
        {
            Tensor<T> pre = Inner.PreActivation;
            return pre.Reshape([_batch, _steps, .. pre.Shape[1..]]);
        }
    }

    Tensor<T> IFusedOutput<T>.BackwardFromPreActivation(Tensor<T> preActivationGradient) =>
        BackwardThrough(preActivationGradient, Inner.BackwardFromPreActivation);
}
