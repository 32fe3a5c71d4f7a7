using System.IO.Compression;
using System.Numerics;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Interop.Keras;

/// <summary>
/// Keras 3's <c>.keras</c> format (saving_lib): a zip archive of <c>metadata.json</c> (keras_version),
/// <c>config.json</c> (the serialised model) and <c>model.weights.h5</c> (the object tree of weights).
/// </summary>
internal static class KerasArchive
{
    private const string WeightsEntry = "model.weights.h5";

    // Deflate cannot compress by more than about 1032:1, so a larger declared size is a damaged or hostile entry.
    private const long MaxDeflateRatio = 1032;

    /// <summary>Whether <paramref name="path"/> starts like a zip archive (whatever its extension says).</summary>
    public static bool IsArchive(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[4];
        return stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) == 4 && signature.SequenceEqual("PK\x03\x04"u8);
    }

    /// <summary>Loads the archive at <paramref name="path"/>; <paramref name="config"/>, when given, replaces its config.json.</summary>
    public static Sequential<T> Load<T>(string path, JsonNode? config) where T : struct, IFloatingPointIeee754<T>
    {
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            JsonNode metadata = KerasModel.ParseJson(KerasModel.ReadBounded(Entry(zip, "metadata.json", path).Open(), path, "metadata.json"), path + ":metadata.json");
            config ??= KerasModel.ParseJson(KerasModel.ReadBounded(Entry(zip, "config.json", path).Open(), path, "config.json"), path + ":config.json");
            using Hdf5File weights = OpenWeights(zip, path);
            string? version = metadata["keras_version"]?.ToString();
            return KerasModel.Build<T>(KerasConfig.Read(config, version, path + ":config.json"), KerasWeightLayout.Detect(weights), path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidModelFileException($"{path}: the .keras archive is damaged ({e.Message}).", e);
        }
    }

    /// <summary>The archive's model.weights.h5, read into memory.</summary>
    public static Hdf5File OpenWeights(string path)
    {
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            return OpenWeights(zip, path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidModelFileException($"{path}: the .keras archive is damaged ({e.Message}).", e);
        }
    }

    private static Hdf5File OpenWeights(ZipArchive zip, string path)
    {
        if (zip.GetEntry(WeightsEntry) is null && zip.GetEntry("model.weights.npz") is not null)
            throw new NotSupportedException($"{path}: the weights are in the npz format (weights_format=\"npz\"); only model.weights.h5 is supported.");
        return Hdf5File.Open(new MemoryStream(Bytes(Entry(zip, WeightsEntry, path), path)), $"{path}:{WeightsEntry}");
    }

    private static ZipArchiveEntry Entry(ZipArchive zip, string name, string path) =>
        zip.GetEntry(name) ?? throw new InvalidModelFileException($"{path}: the archive has no {name}; this is not a Keras 3 .keras file.");

    private static byte[] Bytes(ZipArchiveEntry entry, string path)
    {
        // The compressed size bounds the declared one, so it must itself fit in the archive.
        long archive = new FileInfo(path).Length;
        if (entry.CompressedLength > archive)
            throw new InvalidModelFileException($"{path}: {entry.FullName} declares {entry.CompressedLength} compressed bytes in an archive of {archive}; the archive is damaged.");
        if (entry.Length > Array.MaxLength || entry.Length > Math.Max(entry.CompressedLength, 1) * MaxDeflateRatio)
            throw new InvalidModelFileException($"{path}: {entry.FullName} declares {entry.Length} bytes from {entry.CompressedLength} compressed; the archive is damaged.");
        var bytes = new byte[entry.Length];
        using Stream stream = entry.Open();
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != bytes.Length || stream.ReadByte() != -1)
            throw new InvalidModelFileException($"{path}: {entry.FullName} does not hold the {entry.Length} bytes its header declares; the archive is damaged.");
        return bytes;
    }
}
