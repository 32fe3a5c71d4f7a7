// LSTM cell (Hochreiter & Schmidhuber 1997, with forget gate), in Keras' gate order i, f, c, o.
//
//   [a_i, a_f, a_c, a_o] = x_t·K + h_{t-1}·R + b       pre-activations, four blocks of H   [B, 4H]
//   i = σ(a_i), f = σ(a_f), g = φ(a_c), o = σ(a_o)       σ = recurrent_activation (sigmoid), φ = activation (tanh)
//   c_t = f ⊙ c_{t-1} + i ⊙ g
//   h_t = o ⊙ φ(c_t)
//
// Weights (Keras layout): kernel K [I, 4H], recurrent_kernel R [H, 4H], bias b [4H], column blocks i, f, c, o.
// PyTorch nn.LSTM stacks rows i, f, g, o — the same order: W_ih = Kᵀ, W_hh = Rᵀ, b = b_ih + b_hh.
//
// Backward, given dh_t and dc_t (the gradient reaching c_t from step t+1):
//   do = dh ⊙ φ(c_t)                  dĉ = dc_t + dh ⊙ o ⊙ φ'(c_t)
//   di = dĉ ⊙ g,  df = dĉ ⊙ c_{t-1},  dg = dĉ ⊙ i,  then through σ' / φ' to the pre-activations da
//   dc_{t-1} = dĉ ⊙ f,   dh_{t-1} = da · Rᵀ
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Recurrent.Kernels.Activations;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Recurrent.Cells;

/// <summary>The long short-term memory cell, gate order i, f, c, o as in Keras.</summary>
public sealed unsafe class LstmCell<T> : RecurrentCell<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly Activation<T> _activation;
    private readonly Activation<T> _recurrentActivation;

    // Keras' default activations on 512-bit vectors: each row's element-wise work is one pass (FusedRow).
    private readonly bool _fusedRow;

    /// <summary>Creates the cell with zero weights.</summary>
    public LstmCell(int inputSize, int units, Activation<T> activation, Activation<T> recurrentActivation, bool useBias = true)
        : base(inputSize, units, gateCount: 4, useBias, [4 * units])
    {
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        _fusedRow = PointwiseKernel.NativeVectorBits >= 512 && Vector512<T>.IsSupported && units >= Vector512<T>.Count
            && ReferenceEquals(activation, Activation<T>.Tanh) && ReferenceEquals(recurrentActivation, Activation<T>.Sigmoid);
    }

    /// <inheritdoc/>
    public override int StateCount => 2;

    // Cache row: activations i, f, g, o [4H], φ(c_t) [H]. The pre-activations need no copy: the recurrent product is
    // added onto the step's Projection rows in place, which then hold them for the backward step.
    /// <inheritdoc/>
    protected internal override int CacheWidth => 5 * Units;

    /// <inheritdoc/>
    protected internal override void ForwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, h = Units;
        Span<T> preActivations = buffers.Projection.AsSpan(s * batch * 4 * h, batch * 4 * h);   // [B, 4H]
        RecurrentProduct(buffers, buffers.State(0, s, h), 0, 4, preActivations, 4 * h, T.One);
        ForEachRowRange(buffers, s, &ForwardRows);
    }

    // Gates, c_t and h_t of batch rows [first, first + count).
    private static void ForwardRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (LstmCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        ReadOnlySpan<T> previousCell = buffers.State(1, s, h);
        Span<T> hidden = buffers.State(0, s + 1, h), cellState = buffers.State(1, s + 1, h);
        for (int b = first; b < first + count; b++)
        {
            Span<T> row = buffers.Cache.AsSpan((s * batch + b) * width, width);                 // [5H]
            ReadOnlySpan<T> pre = buffers.Projection.AsSpan((s * batch + b) * 4 * h, 4 * h);    // [4H]
            if (cell._fusedRow)
            {
                FusedRow(pre, previousCell.Slice(b * h, h), row, cellState.Slice(b * h, h), hidden.Slice(b * h, h), h);
                continue;
            }
            Span<T> gates = row[..(4 * h)], cellActivation = row.Slice(4 * h, h);
            cell._recurrentActivation.Forward(pre[..(2 * h)], gates[..(2 * h)]);
            cell._activation.Forward(pre.Slice(2 * h, h), gates.Slice(2 * h, h));
            cell._recurrentActivation.Forward(pre.Slice(3 * h, h), gates.Slice(3 * h, h));
            ReadOnlySpan<T> cPrev = previousCell.Slice(b * h, h);
            Span<T> c = cellState.Slice(b * h, h);
            TensorPrimitives.Multiply(gates.Slice(h, h), cPrev, c);                           // f ⊙ c_{t-1}
            TensorPrimitives.FusedMultiplyAdd(gates[..h], gates.Slice(2 * h, h), c, c);       // + i ⊙ g
            cell._activation.Forward(c, cellActivation);
            TensorPrimitives.Multiply(gates.Slice(3 * h, h), cellActivation, hidden.Slice(b * h, h));
        }
    }

    /// <summary>
    /// One row of the forward step with sigmoid gates and tanh, in a single pass over the units: i, f, g, o, c_t, φ(c_t)
    /// and h_t for one vector of units at a time. The general path makes seven passes, seven calls with their checks,
    /// which at batch size 1 cost more than the arithmetic. Every element goes through the same vector operations as
    /// there (the same activation operators; f ⊙ c_{t-1} rounded, then one fused multiply-add), so results are identical.
    /// </summary>
    private static void FusedRow(ReadOnlySpan<T> pre, ReadOnlySpan<T> cPrev, Span<T> cacheRow, Span<T> c, Span<T> hidden, int h)
    {
        ref T p = ref MemoryMarshal.GetReference(pre);
        ref T row = ref MemoryMarshal.GetReference(cacheRow);
        ref T previous = ref MemoryMarshal.GetReference(cPrev);
        ref T cell = ref MemoryMarshal.GetReference(c);
        ref T output = ref MemoryMarshal.GetReference(hidden);
        nuint units = (nuint)h, width = (nuint)Vector512<T>.Count;
        for (nuint start = 0; start < units; start += width)
        {
            // A ragged last vector overlaps the one before; the overlap is recomputed from the same inputs, identically.
            nuint j = Math.Min(start, units - width);
            Vector512<T> i = SigmoidOperator<T>.Invoke(Vector512.LoadUnsafe(ref p, j));
            Vector512<T> f = SigmoidOperator<T>.Invoke(Vector512.LoadUnsafe(ref p, units + j));
            Vector512<T> g = TanhOperator<T>.Invoke(Vector512.LoadUnsafe(ref p, 2 * units + j));
            Vector512<T> o = SigmoidOperator<T>.Invoke(Vector512.LoadUnsafe(ref p, 3 * units + j));
            Vector512<T> next = VectorMath.FusedMultiplyAdd(i, g, f * Vector512.LoadUnsafe(ref previous, j));
            Vector512<T> squashed = TanhOperator<T>.Invoke(next);
            i.StoreUnsafe(ref row, j);
            f.StoreUnsafe(ref row, units + j);
            g.StoreUnsafe(ref row, 2 * units + j);
            o.StoreUnsafe(ref row, 3 * units + j);
            squashed.StoreUnsafe(ref row, 4 * units + j);
            next.StoreUnsafe(ref cell, j);
            (o * squashed).StoreUnsafe(ref output, j);
        }
    }

    /// <inheritdoc/>
    protected internal override void BackwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, h = Units;
        ForEachRowRange(buffers, s, &BackwardRows);
        Span<T> gateGradient = buffers.GateGradient.AsSpan(s * batch * 4 * h, batch * 4 * h);           // [B, 4H]
        RecurrentProductBackward(buffers, gateGradient, 4 * h, 0, 4, buffers.StateGradients[0], T.Zero);
    }

    // Gate gradients and dc_{t-1} of batch rows [first, first + count).
    private static void BackwardRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (LstmCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        ReadOnlySpan<T> previousCell = buffers.State(1, s, h), cellState = buffers.State(1, s + 1, h);
        Span<T> hiddenGradient = buffers.StateGradients[0], cellGradient = buffers.StateGradients[1];   // [B, H] each
        for (int b = first; b < first + count; b++)
        {
            ReadOnlySpan<T> row = buffers.Cache.AsSpan((s * batch + b) * width, width);
            ReadOnlySpan<T> pre = buffers.Projection.AsSpan((s * batch + b) * 4 * h, 4 * h);
            ReadOnlySpan<T> gates = row[..(4 * h)], cellActivation = row.Slice(4 * h, h);
            ReadOnlySpan<T> dh = hiddenGradient.Slice(b * h, h), cPrev = previousCell.Slice(b * h, h), c = cellState.Slice(b * h, h);
            Span<T> dc = cellGradient.Slice(b * h, h);
            Span<T> da = buffers.GateGradient.AsSpan((s * batch + b) * 4 * h, 4 * h);
            Span<T> dCellTotal = buffers.RowScratch.AsSpan(b * h, h);

            // The scalar operations, each rounded once, in SIMD (the JIT does not vectorise plain generic loops).
            TensorPrimitives.Multiply(dh, gates.Slice(3 * h, h), dCellTotal);                   // dh ⊙ o
            TensorPrimitives.Multiply(dh, cellActivation, da.Slice(3 * h, h));                 // do = dh ⊙ φ(c_t)
            cell._activation.Backward(c, cellActivation, dCellTotal, dCellTotal);
            TensorPrimitives.Add(dCellTotal, dc, dCellTotal);                                  // dĉ
            TensorPrimitives.Multiply(dCellTotal, gates.Slice(2 * h, h), da[..h]);              // di = dĉ ⊙ g
            TensorPrimitives.Multiply(dCellTotal, cPrev, da.Slice(h, h));                      // df = dĉ ⊙ c_{t-1}
            TensorPrimitives.Multiply(dCellTotal, gates[..h], da.Slice(2 * h, h));              // dg = dĉ ⊙ i
            TensorPrimitives.Multiply(dCellTotal, gates.Slice(h, h), dc);                      // dc_{t-1} = dĉ ⊙ f
            cell._recurrentActivation.Backward(pre[..(2 * h)], gates[..(2 * h)], da[..(2 * h)], da[..(2 * h)]);
            cell._activation.Backward(pre.Slice(2 * h, h), gates.Slice(2 * h, h), da.Slice(2 * h, h), da.Slice(2 * h, h));
            cell._recurrentActivation.Backward(pre.Slice(3 * h, h), gates.Slice(3 * h, h), da.Slice(3 * h, h), da.Slice(3 * h, h));
        }
    }
}
