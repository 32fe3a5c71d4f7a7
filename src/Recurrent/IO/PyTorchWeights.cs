using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.IO;

/// <summary>The three recurrent cell types.</summary>
public enum RecurrentKind
{
    /// <summary>SimpleRNN / nn.RNN (one gate block).</summary>
    SimpleRnn,
    /// <summary>LSTM / nn.LSTM (four gate blocks).</summary>
    Lstm,
    /// <summary>GRU / nn.GRU (three gate blocks; PyTorch's is the reset-after form).</summary>
    Gru,
}

/// <summary>
/// Converts one direction of one layer between PyTorch's <c>nn.RNN</c> / <c>nn.LSTM</c> / <c>nn.GRU</c> weights
/// (<c>weight_ih [G·H, I]</c>, <c>weight_hh [G·H, H]</c>, <c>bias_ih</c>, <c>bias_hh [G·H]</c>, gate rows i f g o or r z n)
/// and Keras' (kernel [I, G·H], recurrent_kernel [H, G·H], bias; gate columns i f c o or z r h).
/// </summary>
/// <example>
/// <code>
/// Tensor&lt;float&gt;[] keras = PyTorchWeights.ToKeras(RecurrentKind.Gru, wIh, wHh, bIh, bHh);
/// gru.SetWeights(keras);   // kernel [4, 18], recurrent_kernel [6, 18], bias [2, 18]
/// </code>
/// </example>
public static class PyTorchWeights
{
    /// <summary>Keras weights [kernel, recurrent_kernel, bias] (no bias when both PyTorch biases are null).</summary>
    /// <exception cref="ShapeException">A PyTorch tensor has the wrong shape; the message names it and both shapes.</exception>
    public static Tensor<T>[] ToKeras<T>(RecurrentKind kind, Tensor<T> weightIh, Tensor<T> weightHh, Tensor<T>? biasIh = null, Tensor<T>? biasHh = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        int gates = GateCount(kind);
        if (weightHh.Rank != 2 || weightHh.Dim(0) % gates != 0)
            throw new ShapeException($"PyTorch {kind}: weight_hh expected shape [{gates}·H, H], got {weightHh.ShapeText}.");
        int units = weightHh.Dim(0) / gates;
        weightHh.RequireShape($"PyTorch {kind}", "weight_hh", gates * units, units);
        if (weightIh.Rank != 2) throw new ShapeException($"PyTorch {kind}: weight_ih expected shape [{gates * units}, input], got {weightIh.ShapeText}.");
        weightIh.RequireShape($"PyTorch {kind}", "weight_ih", gates * units, weightIh.Dim(1));
        biasIh?.RequireShape($"PyTorch {kind}", "bias_ih", gates * units);
        biasHh?.RequireShape($"PyTorch {kind}", "bias_hh", gates * units);

        Tensor<T> kernel = TransposeBlocks(kind, weightIh, units), recurrentKernel = TransposeBlocks(kind, weightHh, units);
        if (biasIh is null && biasHh is null) return [kernel, recurrentKernel];
        if (kind == RecurrentKind.Gru)
        {
            var bias = Tensor<T>.Zeros(2, gates * units);
            if (biasIh is not null) PermuteBlocks(kind, biasIh.Span, bias.Span[..(gates * units)], units);
            if (biasHh is not null) PermuteBlocks(kind, biasHh.Span, bias.Span[(gates * units)..], units);
            return [kernel, recurrentKernel, bias];
        }
        // SimpleRNN and LSTM add both biases in the same place, so Keras keeps only their sum.
        var sum = Tensor<T>.Zeros(gates * units);
        for (int i = 0; i < sum.Length; i++)
            sum.Span[i] = (biasIh is null ? T.Zero : biasIh.Span[i]) + (biasHh is null ? T.Zero : biasHh.Span[i]);
        return [kernel, recurrentKernel, sum];
    }

    /// <summary>
    /// PyTorch weights from Keras weights [kernel, recurrent_kernel, bias?]. A SimpleRNN / LSTM bias goes whole into
    /// bias_ih (bias_hh is zero); a GRU must be the reset-after form (bias [2, 3H]), as PyTorch has no other.
    /// </summary>
    public static (Tensor<T> WeightIh, Tensor<T> WeightHh, Tensor<T>? BiasIh, Tensor<T>? BiasHh) FromKeras<T>(RecurrentKind kind, IReadOnlyList<Tensor<T>> weights)
        where T : struct, IFloatingPointIeee754<T>
    {
        int gates = GateCount(kind);
        if (weights.Count is not (2 or 3))
            throw new ShapeException($"Keras {kind}: expected 2 or 3 weights (kernel, recurrent_kernel, bias), got {weights.Count}.");
        Tensor<T> kernel = weights[0], recurrentKernel = weights[1];
        if (recurrentKernel.Rank != 2 || recurrentKernel.Dim(1) != gates * recurrentKernel.Dim(0))
            throw new ShapeException($"Keras {kind}: recurrent_kernel expected shape [H, {gates}·H], got {recurrentKernel.ShapeText}.");
        int units = recurrentKernel.Dim(0);
        if (kernel.Rank != 2) throw new ShapeException($"Keras {kind}: kernel expected shape [input, {gates * units}], got {kernel.ShapeText}.");
        kernel.RequireShape($"Keras {kind}", "kernel", kernel.Dim(0), gates * units);

        Tensor<T> weightIh = TransposeBlocks(kind, kernel, units, toPyTorch: true), weightHh = TransposeBlocks(kind, recurrentKernel, units, toPyTorch: true);
        if (weights.Count == 2) return (weightIh, weightHh, null, null);
        Tensor<T> bias = weights[2];
        var biasIh = Tensor<T>.Zeros(gates * units);
        var biasHh = Tensor<T>.Zeros(gates * units);
        if (kind == RecurrentKind.Gru)
        {
            if (!bias.HasShape([2, gates * units]))
                throw new ShapeException($"Keras {kind}: bias expected shape [2, {gates * units}] (reset_after=True; PyTorch has no reset_after=False GRU), got {bias.ShapeText}.");
            PermuteBlocks(kind, bias.Span[..(gates * units)], biasIh.Span, units);
            PermuteBlocks(kind, bias.Span[(gates * units)..], biasHh.Span, units);
        }
        else
        {
            bias.RequireShape($"Keras {kind}", "bias", gates * units);
            bias.Span.CopyTo(biasIh.Span);
        }
        return (weightIh, weightHh, biasIh, biasHh);
    }

    private static int GateCount(RecurrentKind kind) => kind switch
    {
        RecurrentKind.SimpleRnn => 1,
        RecurrentKind.Lstm => 4,
        RecurrentKind.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown recurrent kind."),
    };

    // Keras gate block k holds PyTorch gate block SourceBlock(k): GRU swaps z and r; LSTM (i f g o = i f c o) and RNN keep order.
    // The permutation is its own inverse, so it serves both directions.
    private static int SourceBlock(RecurrentKind kind, int block) => kind == RecurrentKind.Gru && block < 2 ? 1 - block : block;

    private static void PermuteBlocks<T>(RecurrentKind kind, ReadOnlySpan<T> source, Span<T> destination, int units)
    {
        for (int block = 0; block < source.Length / units; block++)
            source.Slice(SourceBlock(kind, block) * units, units).CopyTo(destination.Slice(block * units, units));
    }

    // PyTorch [G·H, n] ↔ Keras [n, G·H]: transpose, and reorder the gate blocks.
    private static Tensor<T> TransposeBlocks<T>(RecurrentKind kind, Tensor<T> source, int units, bool toPyTorch = false)
        where T : struct, IFloatingPointIeee754<T>
    {
        int rows = source.Dim(0), columns = source.Dim(1);
        var result = Tensor<T>.Zeros(columns, rows);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                // The gate-block index lives on the PyTorch side's rows or the Keras side's columns.
                int gateIndex = toPyTorch ? c : r;
                int moved = SourceBlock(kind, gateIndex / units) * units + gateIndex % units;
                if (toPyTorch) result.Span[moved * rows + r] = source.Span[r * columns + c];
                else result.Span[c * rows + moved] = source.Span[r * columns + c];
            }
        return result;
    }
}
