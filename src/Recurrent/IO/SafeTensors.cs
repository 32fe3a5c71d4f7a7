using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Tensors;

namespace Recurrent.IO;

/// <summary>The file is not a valid model or tensor file; the message names the file and what is wrong.</summary>
public sealed class InvalidModelFileException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// Reads and writes the safetensors layout (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping names to <c>{dtype, shape, data_offsets}</c> plus an optional <c>__metadata__</c> of strings, then the raw
/// little-endian data. Files written here load in Python with <c>safetensors.numpy.load_file</c> / PyTorch.
/// Reading treats the file as untrusted: the header size is bounded and every shape and offset is checked against
/// the file size before anything is allocated.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (100 MB, as the reference implementation).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>Writes the tensors (in the given order) and metadata to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, IReadOnlyList<(string Name, Tensor<T> Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        string dtype = DType<T>();
        int size = Marshal.SizeOf<T>();
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (header.ContainsKey(name)) throw new ArgumentException($"SafeTensors: duplicate tensor name '{name}'.");
            long end = offset + (long)tensor.Length * size;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.Shape.ToArray().Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces to a multiple of 8 so the data is aligned, as the reference writer does.
        int padded = (headerBytes.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var (_, tensor) in tensors)
            {
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SafeTensors: big-endian machines are not supported.");
                stream.Write(MemoryMarshal.AsBytes(tensor.Span));
            }
        });
    }

    /// <summary>Reads every tensor (converted to <typeparamref name="T"/>) and the metadata.</summary>
    /// <exception cref="InvalidModelFileException">The file is malformed; the message names the file and the problem.</exception>
    public static (Dictionary<string, Tensor<T>> Tensors, Dictionary<string, string> Metadata) Read<T>(string path)
        where T : struct, IFloatingPointIeee754<T>
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidModelFileException($"{path}: cannot be read ({e.Message}).", e); }
        return Parse<T>(bytes, path);
    }

    /// <summary>Parses a safetensors image held in memory; <paramref name="source"/> names it in messages.</summary>
    public static (Dictionary<string, Tensor<T>> Tensors, Dictionary<string, string> Metadata) Parse<T>(ReadOnlySpan<byte> bytes, string source)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (bytes.Length < 8) throw new InvalidModelFileException($"{source}: {bytes.Length} bytes is too short for a safetensors header.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(bytes.Length - 8))
            throw new InvalidModelFileException($"{source}: header length {headerLength} exceeds the file size {bytes.Length} or the limit of {MaxHeaderBytes} bytes.");
        ReadOnlySpan<byte> data = bytes[(8 + (int)headerLength)..];
        JsonElement header;
        try
        {
            // Strict UTF-8 first: the JSON reader would otherwise fail later, on first access to a damaged string.
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Slice(8, (int)headerLength));
            using JsonDocument document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
            header = document.RootElement.Clone();
        }
        catch (DecoderFallbackException e) { throw new InvalidModelFileException($"{source}: the header is not valid UTF-8.", e); }
        catch (JsonException e) { throw new InvalidModelFileException($"{source}: the header is not valid JSON ({e.Message}).", e); }
        if (header.ValueKind != JsonValueKind.Object) throw new InvalidModelFileException($"{source}: the header is not a JSON object.");

        var tensors = new Dictionary<string, Tensor<T>>();
        var metadata = new Dictionary<string, string>();
        foreach (JsonProperty entry in header.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                if (entry.Value.ValueKind != JsonValueKind.Object) throw new InvalidModelFileException($"{source}: __metadata__ is not an object.");
                foreach (JsonProperty item in entry.Value.EnumerateObject())
                    metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()!
                        : throw new InvalidModelFileException($"{source}: metadata '{item.Name}' is not a string.");
                continue;
            }
            tensors[entry.Name] = ReadTensor<T>(entry, data, source);
        }
        return (tensors, metadata);
    }

    private static Tensor<T> ReadTensor<T>(JsonProperty entry, ReadOnlySpan<byte> data, string source) where T : struct, IFloatingPointIeee754<T>
    {
        string where = $"{source}: tensor '{entry.Name}'";
        try
        {
            JsonElement info = entry.Value;
            string dtype = info.GetProperty("dtype").GetString() ?? "";
            int size = dtype switch
            {
                "F32" => 4,
                "F64" => 8,
                _ => throw new InvalidModelFileException($"{where}: dtype {dtype} is not supported (F32 or F64)."),
            };
            int[] shape = info.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            long count = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw new InvalidModelFileException($"{where}: negative dimension in shape {Tensor<T>.FormatShape(shape)}.");
                count *= d;
                if (count > data.Length) throw new InvalidModelFileException($"{where}: shape {Tensor<T>.FormatShape(shape)} is larger than the file.");
            }
            long[] offsets = info.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > data.Length)
                throw new InvalidModelFileException($"{where}: data_offsets [{string.Join(", ", offsets)}] fall outside the {data.Length} data bytes.");
            if (offsets[1] - offsets[0] != count * size)
                throw new InvalidModelFileException($"{where}: data_offsets cover {offsets[1] - offsets[0]} bytes but shape {Tensor<T>.FormatShape(shape)} of {dtype} needs {count * size}.");
            ReadOnlySpan<byte> raw = data.Slice((int)offsets[0], (int)(count * size));
            var values = new T[count];
            if (size == 4)
                for (int i = 0; i < count; i++) values[i] = T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]));
            else
                for (int i = 0; i < count; i++) values[i] = T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]));
            return new Tensor<T>(values, shape);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidModelFileException($"{where}: malformed entry ({e.Message}).", e);
        }
    }

    private static string DType<T>() => typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64"
        : throw new NotSupportedException($"SafeTensors: element type {typeof(T).Name} is not supported.");
}
