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
        return (DataType)tensor.DataType switch
        {
            DataType.Float => new(dims, Values(tensor, n, 4, BinaryPrimitives.ReadSingleLittleEndian, tensor.FloatData, v => v, where), null),
            DataType.Int64 => new(dims, null, Values(tensor, n, 8, BinaryPrimitives.ReadInt64LittleEndian, tensor.Int64Data, v => v, where)),
            DataType.Int32 => new(dims, null, Values(tensor, n, 4, bytes => (long)BinaryPrimitives.ReadInt32LittleEndian(bytes), tensor.Int32Data, v => v, where)),
            var other => throw new NotSupportedException($"{where}: element type {other} is not read (float, int32, int64)."),
        };
    }

    private delegate T RawReader<T>(ReadOnlySpan<byte> bytes);

    // The n values, from raw_data (little-endian, size bytes each) when present, else from the typed field.
    private static T[] Values<TStored, T>(TensorProto tensor, int n, int size, RawReader<T> fromRaw, IReadOnlyList<TStored> stored, Func<TStored, T> convert, string where)
    {
        string shape = $"shape [{string.Join(", ", tensor.Dims)}]";
        if (tensor.RawData.IsEmpty)
        {
            if (stored.Count != n) throw new InvalidModelFileException($"{where}: {shape} needs {n} values, the file stores {stored.Count}.");
            return stored.Select(convert).ToArray();
        }
        if (tensor.RawData.Length != (long)n * size)
            throw new InvalidModelFileException($"{where}: {shape} needs {(long)n * size} bytes, the file stores {tensor.RawData.Length}.");
        var values = new T[n];
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        for (int i = 0; i < n; i++) values[i] = fromRaw(raw[(size * i)..]);
        return values;
    }
}
