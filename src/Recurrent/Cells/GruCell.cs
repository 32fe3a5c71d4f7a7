// GRU cell (Cho et al. 2014), in Keras' gate order z, r, h, in both of Keras' forms.
//
// reset_after = true (PyTorch, cuDNN, Keras 3 default): the reset gate multiplies the projected hidden state
//   [a_z, a_r, x_h] = x_t·K + b_in          [u_z, u_r, u_h] = h_{t-1}·R + b_rec
//   z = σ(a_z + u_z),  r = σ(a_r + u_r),  ĥ = φ(x_h + r ⊙ u_h)
// reset_after = false (the original form, Keras 2 default): the reset gate multiplies h before the product
//   z = σ(x_z + h_{t-1}·R_z),  r = σ(x_r + h_{t-1}·R_r),  ĥ = φ(x_h + (r ⊙ h_{t-1})·R_h)
// and in both
//   h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ
//
// Weights (Keras layout): kernel K [I, 3H], recurrent_kernel R [H, 3H], column blocks z, r, h.
// Bias: reset_after [2, 3H] (row 0 input bias b_in, row 1 recurrent bias b_rec); reset_before [3H].
// PyTorch nn.GRU is the reset_after form with rows r, z, n: swap the first two blocks and transpose.
//
// Backward, given dh_t:
//   dz = dh ⊙ (h_{t-1} − ĥ),  dĥ = dh ⊙ (1 − z),  dh_{t-1} ∋ dh ⊙ z,  da_h = dĥ ⊙ φ'
//   reset_after:  dr = da_h ⊙ u_h, and the gradient reaching u_h is da_h ⊙ r (so dR's h block differs from da_h)
//   reset_before: d(r ⊙ h) = da_h · R_hᵀ, dr = d(r ⊙ h) ⊙ h_{t-1}, dh_{t-1} ∋ d(r ⊙ h) ⊙ r, dR_h += (r ⊙ h)ᵀ·da_h
// With recurrent dropout (Keras 3.8+), each gate block's product sees h_{t-1} ⊙ its own mask; z ⊙ h_{t-1} does not.
//   dh_{t-1} ∋ [da_z, da_r, (da_h ⊙ r)] · Rᵀ (reset_after) or [da_z, da_r] · R_zrᵀ (reset_before)
using System.Numerics;
using Recurrent.Kernels;
using Recurrent.Kernels.Activations;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Recurrent.Cells;

/// <summary>The gated recurrent unit, gate order z, r, h as in Keras, with either reset form.</summary>
public sealed unsafe class GruCell<T> : RecurrentCell<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly Activation<T> _activation;
    private readonly Activation<T> _recurrentActivation;

    /// <summary>Creates the cell with zero weights.</summary>
    public GruCell(int inputSize, int units, Activation<T> activation, Activation<T> recurrentActivation,
        bool resetAfter = true, bool useBias = true)
        : base(inputSize, units, gateCount: 3, useBias, resetAfter ? [2, 3 * units] : [3 * units])
    {
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        ResetAfter = resetAfter;
    }

    /// <summary>True for the reset-after form (PyTorch / cuDNN / Keras 3 default).</summary>
    public bool ResetAfter { get; }

    // Cache row: pre-activations [3H], activations z, r, ĥ [3H], and [H] of u_h (reset_after) or r ⊙ h_{t-1} (reset_before).
    /// <inheritdoc/>
    protected internal override int CacheWidth => 7 * Units;

    /// <inheritdoc/>
    protected internal override bool HasSeparateRecurrentGradient => ResetAfter;

    /// <inheritdoc/>
    protected override ReadOnlySpan<T> InputBias => Bias is null ? default : Bias.Value.Span[..(3 * Units)];

    private ReadOnlySpan<T> RecurrentBias => Bias is null || !ResetAfter ? default : Bias.Value.Span[(3 * Units)..];

    /// <inheritdoc/>
    protected internal override void ForwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, h = Units, width = CacheWidth;
        RecurrentProduct(buffers, buffers.State(0, s, h), 0, ResetAfter ? 3 : 2, buffers.StepScratch, 3 * h, T.Zero);
        ForEachRowRange(buffers, s, &GateRows);
        if (ResetAfter) return;
        // (r ⊙ h_{t-1})·R_h needs r of every batch row first, hence this second product.
        Span<T> cache = buffers.Cache.AsSpan(s * batch * width, batch * width);
        Gemm.Multiply(false, false, batch, h, h, T.One, cache[(6 * h)..], width, RecurrentKernel.Value.Data.AsSpan(2 * h), 3 * h,
            T.Zero, buffers.StepScratch.AsSpan(2 * h), 3 * h);
        ForEachRowRange(buffers, s, &CandidateRows);
    }

    // z, r and what the candidate needs for batch rows [first, first + count); reset_after also finishes h_t.
    // Element-wise work goes through TensorPrimitives (SIMD; the JIT does not vectorise plain loops). MultiplyAdd
    // rounds the product before adding, as the scalar x + r·u did.
    private static void GateRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (GruCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        T[]? candidateMask = RecurrentMask(buffers, 2);
        ReadOnlySpan<T> recurrentBias = cell.RecurrentBias, previous = buffers.State(0, s, h);
        for (int b = first; b < first + count; b++)
        {
            Span<T> row = buffers.Cache.AsSpan((s * batch + b) * width, width), u = buffers.StepScratch.AsSpan(b * 3 * h, 3 * h);
            ReadOnlySpan<T> x = buffers.Projection.AsSpan((s * batch + b) * 3 * h, 3 * h);
            if (!recurrentBias.IsEmpty) TensorPrimitives.Add(u, recurrentBias, u);
            TensorPrimitives.Add(x[..(2 * h)], u[..(2 * h)], row[..(2 * h)]);
            cell._recurrentActivation.Forward(row[..(2 * h)], row.Slice(3 * h, 2 * h));
            Span<T> extra = row.Slice(6 * h, h);
            ReadOnlySpan<T> r = row.Slice(4 * h, h);
            if (cell.ResetAfter)
            {
                u.Slice(2 * h, h).CopyTo(extra);
                TensorPrimitives.MultiplyAdd(r, u.Slice(2 * h, h), x.Slice(2 * h, h), row.Slice(2 * h, h));
                cell.Blend(buffers, s, b);
            }
            else
            {
                TensorPrimitives.Multiply(r, previous.Slice(b * h, h), extra);
                if (candidateMask is not null) TensorPrimitives.Multiply(extra, candidateMask.AsSpan(b * h, h), extra);
            }
        }
    }

    // reset_before: the candidate's pre-activation x_h + (r ⊙ h_{t-1})·R_h, then h_t, for batch rows [first, first + count).
    private static void CandidateRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (GruCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        for (int b = first; b < first + count; b++)
        {
            ReadOnlySpan<T> x = buffers.Projection.AsSpan((s * batch + b) * 3 * h + 2 * h, h), u = buffers.StepScratch.AsSpan(b * 3 * h + 2 * h, h);
            TensorPrimitives.Add(x, u, buffers.Cache.AsSpan((s * batch + b) * width + 2 * h, h));
            cell.Blend(buffers, s, b);
        }
    }

    // ĥ = φ(candidate pre-activation), h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ = ĥ + z ⊙ (h_{t-1} − ĥ) for batch row b.
    private void Blend(SequenceBuffers<T> buffers, int s, int b)
    {
        int h = Units, width = CacheWidth;
        Span<T> row = buffers.Cache.AsSpan((s * buffers.Batch + b) * width, width);
        _activation.Forward(row.Slice(2 * h, h), row.Slice(5 * h, h));
        ReadOnlySpan<T> z = row.Slice(3 * h, h), candidate = row.Slice(5 * h, h), hPrev = buffers.State(0, s, h).Slice(b * h, h);
        Span<T> hNext = buffers.State(0, s + 1, h).Slice(b * h, h);
        TensorPrimitives.Subtract(hPrev, candidate, hNext);
        TensorPrimitives.FusedMultiplyAdd(z, hNext, candidate, hNext);
    }

    /// <inheritdoc/>
    protected internal override void BackwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, h = Units;
        Span<T> hiddenGradient = buffers.StateGradients[0];                                   // [B, H]
        Span<T> gateGradient = buffers.GateGradient.AsSpan(s * batch * 3 * h, batch * 3 * h); // [B, 3H]
        if (ResetAfter)
        {
            ForEachRowRange(buffers, s, &GateGradientRows);
            RecurrentProductBackward(buffers, buffers.RecurrentGradient.AsSpan(s * batch * 3 * h, batch * 3 * h), 3 * h, 0, 3, hiddenGradient, T.One);
            return;
        }
        ForEachRowRange(buffers, s, &CandidateGradientRows);
        Gemm.Multiply(false, true, batch, h, h, T.One, gateGradient[(2 * h)..], 3 * h, RecurrentKernel.Value.Data.AsSpan(2 * h), 3 * h,
            T.Zero, buffers.StepScratch.AsSpan(0, batch * h), h);
        ForEachRowRange(buffers, s, &ResetGateGradientRows);
        RecurrentProductBackward(buffers, gateGradient, 3 * h, 0, 2, hiddenGradient, T.One);
    }

    // dz, dĥ → da_h, and the direct path dh ⊙ z into RowScratch, for batch row b: the scalar operations, in SIMD.
    private void CandidateGradient(SequenceBuffers<T> buffers, int s, int b)
    {
        int h = Units, width = CacheWidth;
        ReadOnlySpan<T> row = buffers.Cache.AsSpan((s * buffers.Batch + b) * width, width);
        ReadOnlySpan<T> z = row.Slice(3 * h, h), candidate = row.Slice(5 * h, h), hPrev = buffers.State(0, s, h).Slice(b * h, h);
        ReadOnlySpan<T> dh = buffers.StateGradients[0].AsSpan(b * h, h);
        Span<T> da = buffers.GateGradient.AsSpan((s * buffers.Batch + b) * 3 * h, 3 * h), directRow = buffers.RowScratch.AsSpan(b * h, h);
        TensorPrimitives.Subtract(hPrev, candidate, da[..h]);
        TensorPrimitives.Multiply(dh, da[..h], da[..h]);
        TensorPrimitives.Subtract(T.One, z, da.Slice(2 * h, h));
        TensorPrimitives.Multiply(dh, da.Slice(2 * h, h), da.Slice(2 * h, h));
        TensorPrimitives.Multiply(dh, z, directRow);
        _activation.Backward(row.Slice(2 * h, h), candidate, da.Slice(2 * h, h), da.Slice(2 * h, h));
    }

    // reset_after, batch rows [first, first + count): all gate gradients, the ones reaching h·R, and dh_{t-1} not through R.
    private static void GateGradientRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (GruCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        for (int b = first; b < first + count; b++)
        {
            cell.CandidateGradient(buffers, s, b);
            ReadOnlySpan<T> row = buffers.Cache.AsSpan((s * batch + b) * width, width);
            ReadOnlySpan<T> r = row.Slice(4 * h, h), uh = row.Slice(6 * h, h);
            Span<T> da = buffers.GateGradient.AsSpan((s * batch + b) * 3 * h, 3 * h), du = buffers.RecurrentGradient.AsSpan((s * batch + b) * 3 * h, 3 * h);
            TensorPrimitives.Multiply(da.Slice(2 * h, h), uh, da.Slice(h, h));
            TensorPrimitives.Multiply(da.Slice(2 * h, h), r, du.Slice(2 * h, h));
            cell._recurrentActivation.Backward(row[..(2 * h)], row.Slice(3 * h, 2 * h), da[..(2 * h)], da[..(2 * h)]);
            da[..(2 * h)].CopyTo(du);
            buffers.RowScratch.AsSpan(b * h, h).CopyTo(buffers.StateGradients[0].AsSpan(b * h, h));
        }
    }

    // reset_before, batch rows [first, first + count): the candidate's gradients, before d(r ⊙ h_{t-1}) is computed.
    private static void CandidateGradientRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (GruCell<T>)self;
        for (int b = first; b < first + count; b++) cell.CandidateGradient(buffers, s, b);
    }

    // reset_before, batch rows [first, first + count): dr and the path through r ⊙ h_{t-1}, from d(r ⊙ h_{t-1}) in StepScratch.
    private static void ResetGateGradientRows(RecurrentCell<T> self, SequenceBuffers<T> buffers, int s, int first, int count)
    {
        var cell = (GruCell<T>)self;
        int batch = buffers.Batch, h = cell.Units, width = cell.CacheWidth;
        T[]? candidateMask = RecurrentMask(buffers, 2);
        for (int b = first; b < first + count; b++)
        {
            ReadOnlySpan<T> row = buffers.Cache.AsSpan((s * batch + b) * width, width);
            ReadOnlySpan<T> r = row.Slice(4 * h, h), hPrev = buffers.State(0, s, h).Slice(b * h, h), dResetHidden = buffers.StepScratch.AsSpan(b * h, h);
            Span<T> da = buffers.GateGradient.AsSpan((s * batch + b) * 3 * h, 3 * h), directRow = buffers.RowScratch.AsSpan(b * h, h);
            for (int j = 0; j < h; j++)
            {
                T keep = candidateMask is null ? T.One : candidateMask[b * h + j];
                da[h + j] = dResetHidden[j] * hPrev[j] * keep;
                directRow[j] += dResetHidden[j] * r[j] * keep;
            }
            cell._recurrentActivation.Backward(row[..(2 * h)], row.Slice(3 * h, 2 * h), da[..(2 * h)], da[..(2 * h)]);
            directRow.CopyTo(buffers.StateGradients[0].AsSpan(b * h, h));
        }
    }

    /// <inheritdoc/>
    protected override void AccumulateRecurrentKernelGradient(SequenceBuffers<T> buffers)
    {
        if (ResetAfter)
        {
            base.AccumulateRecurrentKernelGradient(buffers);
            return;
        }
        int rows = buffers.Batch * buffers.Steps, h = Units;
        Span<T> gradient = RecurrentKernel.Gradient.Span;
        AccumulateRecurrentKernelGradient(buffers, 0, 2);
        // The candidate block saw r ⊙ h_{t-1} (already masked), cached per step.
        Gemm.Multiply(true, false, h, h, rows, T.One, buffers.Cache.AsSpan(6 * h), CacheWidth,
            buffers.GateGradient.AsSpan(2 * h), 3 * h, T.One, gradient[(2 * h)..], 3 * h);
    }

    /// <inheritdoc/>
    protected override void AccumulateBiasGradient(SequenceBuffers<T> buffers)
    {
        int rows = buffers.Batch * buffers.Steps;
        Span<T> gradient = Bias!.Gradient.Span;
        AddColumnSums(buffers.GateGradient, rows, gradient[..(3 * Units)]);
        if (ResetAfter) AddColumnSums(buffers.RecurrentGradient, rows, gradient[(3 * Units)..]);
    }
}
