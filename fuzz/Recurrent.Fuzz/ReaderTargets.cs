using Recurrent.Applications;
using Recurrent.Data;
using Recurrent.Interop.Keras;
using Recurrent.Interop.Onnx;
using Recurrent.IO;

namespace Recurrent.Fuzz;

/// <summary>A file reader under test and the exceptions it documents for bad input.</summary>
/// <param name="Name">Short name, also the fuzzer's command-line argument.</param>
/// <param name="Read">Reads the file at the given path.</param>
/// <param name="Refusals">Exception types that count as a clear refusal (their message must name the file).</param>
/// <param name="Extension">The file extension the reader expects (some readers choose the format by it).</param>
public sealed record ReaderTarget(string Name, Action<string> Read, Type[] Refusals, string Extension = "")
{
    /// <summary>Whether <paramref name="error"/>, thrown while reading <paramref name="path"/>, is a documented refusal.</summary>
    public bool IsRefusal(Exception error, string path) =>
        Refusals.Any(type => type.IsInstanceOfType(error)) && error.Message.Contains(path, StringComparison.Ordinal);
}

/// <summary>Every reader of untrusted files, shared by the SharpFuzz targets and the mutation test of the acceptance step.</summary>
public static class ReaderTargets
{
    public static IReadOnlyList<ReaderTarget> All { get; } =
    [
        new("model-file", path => ModelFile.Load<float>(path), [typeof(InvalidModelFileException)]),
        new("classifier", path => TextClassifier.Load(path), [typeof(InvalidModelFileException), typeof(InvalidDataException)]),
        new("safetensors", path => SafeTensors.Read<float>(path), [typeof(InvalidModelFileException)]),
        new("csv", path => Csv.Read(path), [typeof(InvalidDataException), typeof(IOException)]),
        new("corpus", path => Text.ReadCorpus(path), [typeof(InvalidDataException), typeof(IOException)]),
        new("translation-pairs", path => TranslationPairs.Read(path, maxTokens: 40), [typeof(InvalidDataException), typeof(IOException)], ".tsv"),
        // Foreign formats: a damaged file may also turn into a well-formed one that asks for something we refuse.
        new("keras-h5", path => KerasModel.Load<float>(path), [typeof(InvalidModelFileException), typeof(NotSupportedException)], ".h5"),
        new("keras-archive", path => KerasModel.Load<float>(path), [typeof(InvalidModelFileException), typeof(NotSupportedException)], ".keras"),
        new("onnx", path => OnnxImporter.Import(path), [typeof(InvalidModelFileException), typeof(NotSupportedException)], ".onnx"),
    ];

    public static ReaderTarget Named(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"Unknown reader '{name}'; readers are {string.Join(", ", All.Select(t => t.Name))}.");
}
