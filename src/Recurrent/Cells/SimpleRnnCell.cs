// SimpleRNN (Elman) cell.
//
//   a_t = x_t·K + h_{t-1}·R + b            pre-activation            [B, H]
//   h_t = f(a_t)                             f = activation (tanh by default, or none = linear)
//
// Weights (Keras layout): kernel K [I, H], recurrent_kernel R [H, H], bias b [H].
// PyTorch nn.RNN has W_ih = Kᵀ, W_hh = Rᵀ and two biases whose sum is b.
//
// Backward, given dh_t:
//   da_t     = dh_t ⊙ f'(a_t)
//   dh_{t-1} = da_t · Rᵀ
//   dK += x_tᵀ·da_t, dR += h_{t-1}ᵀ·da_t, db += Σ da_t   (done for all steps at once by the base class)
using System.Numerics;
using Recurrent.Kernels.Activations;

namespace Recurrent.Cells;

/// <summary>The fully connected recurrent cell h_t = f(x_t·K + h_{t-1}·R + b).</summary>
public sealed unsafe class SimpleRnnCell<T> : RecurrentCell<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly Activation<T> _activation;

    /// <summary>Creates the cell with zero weights.</summary>
    public SimpleRnnCell(int inputSize, int units, Activation<T> activation, bool useBias = true)
        : base(inputSize, units, gateCount: 1, useBias, [units])
    {
        _activation = activation;
    }

    // Nothing cached: the recurrent product is added onto the step's Projection rows in place, which then hold the
    // pre-activation a_t, and h_t itself is the next state.
    /// <inheritdoc/>
    protected internal override int CacheWidth => 0;

    /// <inheritdoc/>
    protected internal override void ForwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, units = Units;
        Span<T> preActivation = buffers.Projection.AsSpan(s * batch * units, batch * units);  // [B, H]
        RecurrentProduct(buffers, buffers.State(0, s, units), 0, 1, preActivation, units, T.One);
        ForEachRowRange(buffers, s, &ForwardRows);
    }

    // h_t = f(a_t) for batch rows [first, first + count).
    private static void ForwardRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (SimpleRnnCell<T>)self;
        int batch = buffers.Batch, units = cell.Units;
        ReadOnlySpan<T> preActivation = buffers.Projection.AsSpan((s * batch + first) * units, count * units);
        cell._activation.ForwardRows(preActivation, buffers.State(0, s + 1, units).Slice(first * units, count * units), units);
    }

    /// <inheritdoc/>
    protected internal override void BackwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, units = Units;
        ForEachRowRange(buffers, s, &BackwardRows);
        Span<T> preGradient = buffers.GateGradient.AsSpan(s * batch * units, batch * units);  // [B, H]
        RecurrentProductBackward(buffers, preGradient, units, 0, 1, buffers.StateGradients[0], T.Zero);
    }

    // da_t = dh_t ⊙ f'(a_t) for batch rows [first, first + count).
    private static void BackwardRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (SimpleRnnCell<T>)self;
        int batch = buffers.Batch, units = cell.Units, offset = (s * batch + first) * units, length = count * units;
        cell._activation.BackwardRows(buffers.Projection.AsSpan(offset, length), buffers.State(0, s + 1, units).Slice(first * units, length),
            buffers.StateGradients[0].AsSpan(first * units, length), buffers.GateGradient.AsSpan(offset, length), units);
    }
}
