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
        var w = new float[width * inputSize];
        var r = new float[width * units];
        Reorder(kind, units, inputSize, kernel, w, toOnnx: true);
        Reorder(kind, units, units, recurrentKernel, r, toOnnx: true);
        if (bias is null) return new(w, r, null, null);
        var wb = new float[width];
        var rb = new float[width];
        Reorder(kind, units, 1, bias.AsSpan(0, width), wb, toOnnx: true);
        if (bias.Length == 2 * width) Reorder(kind, units, 1, bias.AsSpan(width), rb, toOnnx: true);
        return new(w, r, wb, rb);
    }

    /// <summary>
    /// Keras weights [kernel, recurrent_kernel, bias?] of these ONNX weights. With <paramref name="twoRowBias"/> (a GRU
    /// with <c>linear_before_reset = 1</c>, Keras' reset-after) the bias is [2, 3H], Wb then Rb; otherwise ONNX adds Wb
    /// and Rb in the same place (for a <c>linear_before_reset = 0</c> GRU too: Rb_h is added outside the reset), so the
    /// Keras bias is their sum.
    /// </summary>
    public (float[] Kernel, float[] RecurrentKernel, float[]? Bias) ToKeras(RecurrentKind kind, int inputSize, int units, bool twoRowBias)
    {
        int width = GateCount(kind) * units;
        var kernel = new float[inputSize * width];
        var recurrentKernel = new float[units * width];
        Reorder(kind, units, inputSize, W, kernel, toOnnx: false);
        Reorder(kind, units, units, R, recurrentKernel, toOnnx: false);
        if (Wb is null || Rb is null) return (kernel, recurrentKernel, null);
        var bias = new float[twoRowBias ? 2 * width : width];
        Reorder(kind, units, 1, Wb, bias.AsSpan(0, width), toOnnx: false);
        if (twoRowBias) Reorder(kind, units, 1, Rb, bias.AsSpan(width), toOnnx: false);
        else
        {
            var recurrentBias = new float[width];
            Reorder(kind, units, 1, Rb, recurrentBias, toOnnx: false);
            for (int i = 0; i < width; i++) bias[i] += recurrentBias[i];
        }
        return (kernel, recurrentKernel, bias);
    }

    // Keras [n, G·H] (a column per gate unit) ↔ ONNX [G·H, n] (a row per gate unit), gate blocks reordered; a bias is n = 1.
    private static void Reorder(RecurrentKind kind, int units, int n, ReadOnlySpan<float> source, Span<float> destination, bool toOnnx)
    {
        int width = GateCount(kind) * units;
        for (int row = 0; row < width; row++)
        {
            int column = KerasBlock(kind, row / units) * units + row % units;
            for (int i = 0; i < n; i++)
            {
                int onnx = row * n + i, keras = i * width + column;
                if (toOnnx) destination[onnx] = source[keras];
                else destination[keras] = source[onnx];
            }
        }
    }
}
