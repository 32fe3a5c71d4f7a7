using Recurrent.IO;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// One direction of a recurrent layer in ONNX's layout: <c>W [G·H, I]</c>, <c>R [G·H, H]</c>, and the bias pair
/// <c>Wb, Rb [G·H]</c> (ONNX's <c>B</c> row is Wb followed by Rb). Gate blocks are LSTM i o f c and GRU z r h,
/// where Keras has i f c o and z r h.
/// </summary>
internal sealed record OnnxRecurrentWeights(float[] W, float[] R, float[]? Wb, float[]? Rb)
{
    /// <summary>Gate blocks per kind.</summary>
    public static int GateCount(RecurrentKind kind) => kind switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 };

    // ONNX gate block k is Keras block KerasBlock[k]: LSTM i o f c ← i f c o; GRU and RNN keep their order.
    private static int KerasBlock(RecurrentKind kind, int onnxBlock) =>
        kind == RecurrentKind.Lstm ? onnxBlock switch { 1 => 3, 2 => 1, 3 => 2, _ => 0 } : onnxBlock;

    /// <summary>
    /// From Keras weights (kernel [I, G·H], recurrent_kernel [H, G·H], bias [G·H] or, for a reset-after GRU, [2, 3H]);
    /// a one-row Keras bias becomes Wb with a zero Rb (ONNX adds the two in the same place, except for the
    /// GRU's reset-after candidate, where the two-row form keeps both).
    /// </summary>
    public static OnnxRecurrentWeights FromKeras(RecurrentKind kind, int inputSize, int units, float[] kernel, float[] recurrentKernel, float[]? bias)
    {
        int width = GateCount(kind) * units;
        float[] w = ToRows(kind, kernel, inputSize, units), r = ToRows(kind, recurrentKernel, units, units);
        if (bias is null) return new(w, r, null, null);
        float[] wb = PermuteBlocks(kind, bias.AsSpan(0, width), units);
        float[] rb = bias.Length == 2 * width ? PermuteBlocks(kind, bias.AsSpan(width), units) : new float[width];
        return new(w, r, wb, rb);
    }

    // Keras [n, G·H] (column per gate unit) → ONNX [G·H, n] (row per gate unit), blocks reordered.
    private static float[] ToRows(RecurrentKind kind, float[] keras, int n, int units)
    {
        int width = GateCount(kind) * units;
        var rows = new float[width * n];
        for (int row = 0; row < width; row++)
        {
            int column = KerasBlock(kind, row / units) * units + row % units;
            for (int i = 0; i < n; i++) rows[row * n + i] = keras[i * width + column];
        }
        return rows;
    }

    private static float[] PermuteBlocks(RecurrentKind kind, ReadOnlySpan<float> keras, int units)
    {
        var onnx = new float[keras.Length];
        for (int block = 0; block < keras.Length / units; block++)
            keras.Slice(KerasBlock(kind, block) * units, units).CopyTo(onnx.AsSpan(block * units, units));
        return onnx;
    }
}
