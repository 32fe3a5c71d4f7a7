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
        float[] wb = PermuteBlocks(kind, bias.AsSpan(0, width), units, toOnnx: true);
        float[] rb = bias.Length == 2 * width ? PermuteBlocks(kind, bias.AsSpan(width), units, toOnnx: true) : new float[width];
        return new(w, r, wb, rb);
    }

    /// <summary>
    /// Back to Keras: kernel, recurrent_kernel and bias ([G·H] = Wb + Rb, or [2, 3H] when <paramref name="twoBiasRows"/>).
    /// </summary>
    public (float[] Kernel, float[] RecurrentKernel, float[]? Bias) ToKeras(RecurrentKind kind, int inputSize, int units, bool twoBiasRows)
    {
        int width = GateCount(kind) * units;
        float[] kernel = FromRows(kind, W, inputSize, units), recurrentKernel = FromRows(kind, R, units, units);
        if (Wb is null || Rb is null) return (kernel, recurrentKernel, null);
        float[] input = PermuteBlocks(kind, Wb, units, toOnnx: false), recurrent = PermuteBlocks(kind, Rb, units, toOnnx: false);
        if (twoBiasRows) return (kernel, recurrentKernel, [.. input, .. recurrent]);
        for (int i = 0; i < width; i++) input[i] += recurrent[i];
        return (kernel, recurrentKernel, input);
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

    private static float[] FromRows(RecurrentKind kind, float[] rows, int n, int units)
    {
        int width = GateCount(kind) * units;
        var keras = new float[n * width];
        for (int row = 0; row < width; row++)
        {
            int column = KerasBlock(kind, row / units) * units + row % units;
            for (int i = 0; i < n; i++) keras[i * width + column] = rows[row * n + i];
        }
        return keras;
    }

    private static float[] PermuteBlocks(RecurrentKind kind, ReadOnlySpan<float> source, int units, bool toOnnx)
    {
        var result = new float[source.Length];
        for (int block = 0; block < source.Length / units; block++)
        {
            int keras = KerasBlock(kind, block);
            (int from, int to) = toOnnx ? (keras, block) : (block, keras);
            source.Slice(from * units, units).CopyTo(result.AsSpan(to * units, units));
        }
        return result;
    }
}
