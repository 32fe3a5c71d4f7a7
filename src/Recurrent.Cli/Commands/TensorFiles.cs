using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recurrent.IO;
using Recurrent.Tensors;

namespace Recurrent.Cli.Commands;

/// <summary>Raw tensors for <c>predict --input / --output</c>: NumPy .npy files and JSON <c>{"shape": [...], "data": [...]}</c>.</summary>
internal static partial class TensorFiles
{
    public static Tensor<float> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        return path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? ReadNpy(path) : ReadJson(path);
    }

    private static Tensor<float> ReadJson(string path)
    {
        try
        {
            JsonNode root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) ?? throw new InvalidDataException($"{path}: empty JSON.");
            int[] shape = root["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            float[] data = root["data"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
            return new Tensor<float>(data, shape);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{path}: expected JSON {{\"shape\": [...], \"data\": [...]}} ({e.Message}).");
        }
    }

    // NumPy format 1.0–3.0: magic, version, header length, a Python dict literal with descr / fortran_order / shape.
    private static Tensor<float> ReadNpy(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file (bad magic).");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = major == 1 ? 10 : 12;
        if (headerLength < 0 || start + headerLength > bytes.Length) throw new InvalidDataException($"{path}: the .npy header runs past the end of the file.");
        string header = Encoding.Latin1.GetString(bytes, start, headerLength);
        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value : throw new InvalidDataException($"{path}: the .npy header has no descr.");
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported; save with C order.");
        Match shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw new InvalidDataException($"{path}: the .npy header has no shape.");
        int[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int size = descr switch { "<f4" or "<i4" => 4, "<f8" or "<i8" => 8, _ => throw new InvalidDataException($"{path}: dtype {descr} is not supported (float32, float64, int32, int64, little-endian).") };
        ReadOnlySpan<byte> data = bytes.AsSpan(start + headerLength);
        if (data.Length < count * size) throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) needs {count * size} bytes of data, the file has {data.Length}.");
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]),
                "<f8" => (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]),
                _ => BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]),
            };
        return new Tensor<float>(values, shape);
    }

    public static void WriteJson(string path, Tensor<float> tensor) => AtomicFile.WriteAllText(path, ToJson(tensor).ToJsonString() + "\n");

    public static JsonObject ToJson(Tensor<float> tensor) => new()
    {
        ["shape"] = new JsonArray(tensor.Shape.ToArray().Select(d => (JsonNode)d).ToArray()),
        ["data"] = new JsonArray(tensor.Data.Select(v => (JsonNode)(double)v).ToArray()),
    };

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
