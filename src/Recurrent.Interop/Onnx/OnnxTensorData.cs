using System.Buffers.Binary;
using Recurrent.IO;
using Recurrent.Interop.Onnx.Proto;
using DataType = Recurrent.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// The values of an ONNX tensor (an initializer or a Constant node's value) as floats or int64s. The file is untrusted:
/// dimensions are checked for sign and overflow, and the declared element count against the bytes actually stored,
/// before anything is allocated.
/// </summary>
internal sealed record OnnxTensorData(long[] Dims, float[]? Floats, long[]? Int64s)
{
    /// <summary>Element count of <see cref="Dims"/> (1 for a scalar).</summary>
    public long Count => Dims.Aggregate(1L, (n, d) => n * d);

    /// <summary>Reads <paramref name="tensor"/>; <paramref name="where"/> prefixes error messages (file and tensor).</summary>
    /// <exception cref="InvalidModelFileException">Negative or overflowing dimensions, or stored data of the wrong size.</exception>
    /// <exception cref="NotSupportedException">External data, or an element type other than float / int32 / int64.</exception>
    public static OnnxTensorData Read(TensorProto tensor, string where)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new NotSupportedException($"{where}: the data is in an external file, which import does not read.");
        long[] dims = [.. tensor.Dims];
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new InvalidModelFileException($"{where}: negative dimension in shape [{string.Join(", ", dims)}].");
            // No tensor can hold more elements than the file has bytes (raw or packed, each element takes one at least).
            if (d > 0 && count > int.MaxValue / d) throw new InvalidModelFileException($"{where}: shape [{string.Join(", ", dims)}] is too large.");
            count *= d;
        }
        int n = (int)count;
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float:
                if (!tensor.RawData.IsEmpty)
                {
                    RequireBytes(tensor, n, 4, where, dims);
                    var floats = new float[n];
                    ReadOnlySpan<byte> raw = tensor.RawData.Span;
                    for (int i = 0; i < n; i++) floats[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                    return new(dims, floats, null);
                }
                RequireCount(tensor.FloatData.Count, n, where, dims);
                return new(dims, [.. tensor.FloatData], null);
            case DataType.Int64:
                if (!tensor.RawData.IsEmpty)
                {
                    RequireBytes(tensor, n, 8, where, dims);
                    var longs = new long[n];
                    for (int i = 0; i < n; i++) longs[i] = BinaryPrimitives.ReadInt64LittleEndian(tensor.RawData.Span[(8 * i)..]);
                    return new(dims, null, longs);
                }
                RequireCount(tensor.Int64Data.Count, n, where, dims);
                return new(dims, null, [.. tensor.Int64Data]);
            case DataType.Int32:
                if (!tensor.RawData.IsEmpty)
                {
                    RequireBytes(tensor, n, 4, where, dims);
                    var ints = new long[n];
                    for (int i = 0; i < n; i++) ints[i] = BinaryPrimitives.ReadInt32LittleEndian(tensor.RawData.Span[(4 * i)..]);
                    return new(dims, null, ints);
                }
                RequireCount(tensor.Int32Data.Count, n, where, dims);
                return new(dims, null, tensor.Int32Data.Select(v => (long)v).ToArray());
            default:
                throw new NotSupportedException($"{where}: element type {(DataType)tensor.DataType} is not read (float, int32, int64).");
        }
    }

    private static void RequireBytes(TensorProto tensor, int count, int size, string where, long[] dims)
    {
        if (tensor.RawData.Length != (long)count * size)
            throw new InvalidModelFileException($"{where}: shape [{string.Join(", ", dims)}] needs {(long)count * size} bytes, the file stores {tensor.RawData.Length}.");
    }

    private static void RequireCount(int stored, int count, string where, long[] dims)
    {
        if (stored != count)
            throw new InvalidModelFileException($"{where}: shape [{string.Join(", ", dims)}] needs {count} values, the file stores {stored}.");
    }
}
