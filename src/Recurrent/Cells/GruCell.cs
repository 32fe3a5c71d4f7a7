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
public sealed class GruCell<T> : RecurrentCell<T> where T : struct, IFloatingPointIeee754<T>
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
        Span<T> cache = buffers.Cache.AsSpan(s * batch * width, batch * width);   // [B, 7H]
        Span<T> recurrent = buffers.StepScratch;                                    // [B, 3H]: u_z, u_r, u_h
        ReadOnlySpan<T> previous = buffers.State(0, s, h);
        T[] kernel = RecurrentKernel.Value.Data;
        RecurrentProduct(buffers, previous, 0, ResetAfter ? 3 : 2, recurrent, 3 * h, T.Zero);
        T[]? candidateMask = RecurrentMask(buffers, 2);
        ReadOnlySpan<T> recurrentBias = RecurrentBias;

        for (int b = 0; b < batch; b++)
        {
            Span<T> row = cache.Slice(b * width, width), u = recurrent.Slice(b * 3 * h, 3 * h);
            ReadOnlySpan<T> x = buffers.Projection.AsSpan((s * batch + b) * 3 * h, 3 * h);
            // Element-wise work through TensorPrimitives (SIMD; the JIT does not vectorise plain loops). MultiplyAdd
            // rounds the product before adding, as the scalar x + r·u did, so results are unchanged bit for bit.
            if (!recurrentBias.IsEmpty) TensorPrimitives.Add(u, recurrentBias, u);
            TensorPrimitives.Add(x[..(2 * h)], u[..(2 * h)], row[..(2 * h)]);
            _recurrentActivation.Forward(row[..(2 * h)], row.Slice(3 * h, 2 * h));
            Span<T> extra = row.Slice(6 * h, h);
            ReadOnlySpan<T> r = row.Slice(4 * h, h);
            if (ResetAfter)
            {
                u.Slice(2 * h, h).CopyTo(extra);
                TensorPrimitives.MultiplyAdd(r, u.Slice(2 * h, h), x.Slice(2 * h, h), row.Slice(2 * h, h));
            }
            else
            {
                TensorPrimitives.Multiply(r, previous.Slice(b * h, h), extra);
                if (candidateMask is not null) TensorPrimitives.Multiply(extra, candidateMask.AsSpan(b * h, h), extra);
            }
        }
        if (!ResetAfter)
        {
            // (r ⊙ h_{t-1})·R_h needs r of every batch row first, hence this second product.
            Gemm.Multiply(false, false, batch, h, h, T.One, cache[(6 * h)..], width, kernel.AsSpan(2 * h), 3 * h,
                T.Zero, recurrent[(2 * h)..], 3 * h);
            for (int b = 0; b < batch; b++)
            {
                Span<T> row = cache.Slice(b * width, width);
                ReadOnlySpan<T> x = buffers.Projection.AsSpan((s * batch + b) * 3 * h, 3 * h), u = recurrent.Slice(b * 3 * h, 3 * h);
                TensorPrimitives.Add(x.Slice(2 * h, h), u.Slice(2 * h, h), row.Slice(2 * h, h));
            }
        }

        Span<T> next = buffers.State(0, s + 1, h);
        for (int b = 0; b < batch; b++)
        {
            Span<T> row = cache.Slice(b * width, width);
            _activation.Forward(row.Slice(2 * h, h), row.Slice(5 * h, h));
            ReadOnlySpan<T> z = row.Slice(3 * h, h), candidate = row.Slice(5 * h, h), hPrev = previous.Slice(b * h, h);
            // z ⊙ h_{t-1} + (1 − z) ⊙ ĥ = ĥ + z ⊙ (h_{t-1} − ĥ)
            Span<T> hNext = next.Slice(b * h, h);
            TensorPrimitives.Subtract(hPrev, candidate, hNext);
            TensorPrimitives.FusedMultiplyAdd(z, hNext, candidate, hNext);
        }
    }

    /// <inheritdoc/>
    protected internal override void BackwardStep(SequenceBuffers<T> buffers, int s)
    {
        int batch = buffers.Batch, h = Units, width = CacheWidth;
        ReadOnlySpan<T> cache = buffers.Cache.AsSpan(s * batch * width, batch * width);
        ReadOnlySpan<T> previous = buffers.State(0, s, h);
        Span<T> hiddenGradient = buffers.StateGradients[0];                                   // [B, H]
        Span<T> gateGradient = buffers.GateGradient.AsSpan(s * batch * 3 * h, batch * 3 * h); // [B, 3H]
        Span<T> direct = buffers.RowScratch;                                                  // [B, H]: dh_{t-1} not through R
        T[] kernel = RecurrentKernel.Value.Data;

        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> row = cache.Slice(b * width, width);
            ReadOnlySpan<T> z = row.Slice(3 * h, h), candidate = row.Slice(5 * h, h), hPrev = previous.Slice(b * h, h);
            ReadOnlySpan<T> dh = hiddenGradient.Slice(b * h, h);
            Span<T> da = gateGradient.Slice(b * 3 * h, 3 * h), directRow = direct.Slice(b * h, h);
            // dz = dh ⊙ (h_{t-1} − ĥ), dĥ = dh ⊙ (1 − z), the direct path dh ⊙ z: the scalar operations, in SIMD.
            TensorPrimitives.Subtract(hPrev, candidate, da[..h]);
            TensorPrimitives.Multiply(dh, da[..h], da[..h]);
            TensorPrimitives.Subtract(T.One, z, da.Slice(2 * h, h));
            TensorPrimitives.Multiply(dh, da.Slice(2 * h, h), da.Slice(2 * h, h));
            TensorPrimitives.Multiply(dh, z, directRow);
            _activation.Backward(row.Slice(2 * h, h), candidate, da.Slice(2 * h, h), da.Slice(2 * h, h));
        }

        if (ResetAfter)
        {
            Span<T> recurrentGradient = buffers.RecurrentGradient.AsSpan(s * batch * 3 * h, batch * 3 * h);
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<T> row = cache.Slice(b * width, width);
                ReadOnlySpan<T> r = row.Slice(4 * h, h), uh = row.Slice(6 * h, h);
                Span<T> da = gateGradient.Slice(b * 3 * h, 3 * h), du = recurrentGradient.Slice(b * 3 * h, 3 * h);
                TensorPrimitives.Multiply(da.Slice(2 * h, h), uh, da.Slice(h, h));
                TensorPrimitives.Multiply(da.Slice(2 * h, h), r, du.Slice(2 * h, h));
                _recurrentActivation.Backward(row[..(2 * h)], row.Slice(3 * h, 2 * h), da[..(2 * h)], da[..(2 * h)]);
                da[..(2 * h)].CopyTo(du);
            }
            direct.CopyTo(hiddenGradient);
            RecurrentProductBackward(buffers, recurrentGradient, 3 * h, 0, 3, hiddenGradient, T.One);
            return;
        }

        Span<T> resetHiddenGradient = buffers.StepScratch.AsSpan(0, batch * h);              // d(r ⊙ h_{t-1}): [B, H]
        Gemm.Multiply(false, true, batch, h, h, T.One, gateGradient[(2 * h)..], 3 * h, kernel.AsSpan(2 * h), 3 * h,
            T.Zero, resetHiddenGradient, h);
        T[]? candidateMask = RecurrentMask(buffers, 2);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> row = cache.Slice(b * width, width);
            ReadOnlySpan<T> r = row.Slice(4 * h, h), hPrev = previous.Slice(b * h, h), dResetHidden = resetHiddenGradient.Slice(b * h, h);
            Span<T> da = gateGradient.Slice(b * 3 * h, 3 * h), directRow = direct.Slice(b * h, h);
            for (int j = 0; j < h; j++)
            {
                T keep = candidateMask is null ? T.One : candidateMask[b * h + j];
                da[h + j] = dResetHidden[j] * hPrev[j] * keep;
                directRow[j] += dResetHidden[j] * r[j] * keep;
            }
            _recurrentActivation.Backward(row[..(2 * h)], row.Slice(3 * h, 2 * h), da[..(2 * h)], da[..(2 * h)]);
        }
        direct.CopyTo(hiddenGradient);
        RecurrentProductBackward(buffers, gateGradient, 3 * h, 0, 2, hiddenGradient, T.One);
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
