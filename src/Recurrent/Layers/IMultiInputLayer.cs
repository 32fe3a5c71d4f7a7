using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// A layer that reads several tensors and may write several, as a Keras layer called on a list: attention (query,
/// value and optionally key → context and weights) and <see cref="Concatenate{T}"/>. A functional model runs it
/// through these methods; its buffers are the caller's, so a training step allocates nothing.
/// </summary>
public interface IMultiInputLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The layer's name.</summary>
    string Name { get; }

    /// <summary>How many tensors it writes.</summary>
    int OutputCount { get; }

    /// <summary>Checks the inputs' shapes (without the batch axis, −1 where unknown) and creates the weights for them.</summary>
    /// <exception cref="ShapeException">The shapes do not fit; the message names the layer and the shapes.</exception>
    void Build(IReadOnlyList<int[]> inputShapes);

    /// <summary>The shapes of the outputs for inputs of <paramref name="inputShapes"/> (without the batch axis).</summary>
    /// <exception cref="ShapeException">The shapes do not fit; the message names the layer and the shapes.</exception>
    int[][] ComputeOutputShapes(IReadOnlyList<int[]> inputShapes);

    /// <summary>
    /// Runs the layer: writes its outputs into <paramref name="outputs"/> and returns the mask of the first output
    /// (the others carry none). Training calls may return tensors the next training call overwrites (see
    /// <see cref="Layer{T}.Forward(Tensor{T}, bool)"/>).
    /// </summary>
    bool[,]? ForwardInputs(ReadOnlySpan<Tensor<T>> inputs, ReadOnlySpan<bool[,]?> masks, bool training, Span<Tensor<T>> outputs);

    /// <summary>
    /// Given dLoss/d(each output) of the last forward pass (null = zero), writes dLoss/d(each input) into
    /// <paramref name="inputGradients"/> (null = zero) and accumulates the weight gradients.
    /// </summary>
    void BackwardInputs(ReadOnlySpan<Tensor<T>?> outputGradients, Span<Tensor<T>?> inputGradients);
}
