using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// A layer that consumes a whole sequence with optional initial states and mask, and returns outputs and final
/// states: <see cref="RecurrentLayer{T}"/> and <see cref="Bidirectional{T}"/>.
/// </summary>
public interface ISequenceLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The layer's name.</summary>
    string Name { get; }

    /// <summary>Runs the layer on [B, T, I] from <paramref name="initialState"/> (zeros when null) with an optional [B, T] mask.</summary>
    RecurrentOutput<T> ForwardSequence(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState = null, bool[,]? mask = null, bool training = false);

    /// <summary>Backpropagates one gradient per output (null = zero) and per final state (null = zero).</summary>
    RecurrentGradients<T> BackwardSequence(IReadOnlyList<Tensor<T>?> outputGradients, IReadOnlyList<Tensor<T>?>? stateGradients = null);
}
