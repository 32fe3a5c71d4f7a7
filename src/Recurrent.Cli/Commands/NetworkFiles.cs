using System.CommandLine;
using Recurrent.Interop.Keras;
using Recurrent.Interop.Onnx;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Cli.Commands;

/// <summary>
/// Networks by file extension, for the verbs that run or convert a bare network (predict --input, summary, convert):
/// Keras (<c>.h5</c>, <c>.keras</c>, or a weights file with <c>--config</c>), and our model file otherwise.
/// </summary>
internal static class NetworkFiles
{
    /// <summary>The network in <paramref name="path"/>; <paramref name="kerasConfig"/> is the architecture JSON for a Keras weights file.</summary>
    public static Sequential<float> Load(string path, string? kerasConfig)
    {
        EvaluateCommand.Existing(path);
        if (kerasConfig is not null && !IsKeras(path))
            throw new UsageException($"--config pairs a Keras weights file (.h5) with its architecture JSON; {path} is not a Keras file.");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".h5" or ".hdf5" or ".keras" => KerasModel.Load<float>(path, kerasConfig),
            // ONNX and PyTorch safetensors import arrive with the ONNX importer; they get their arms here.
            ".onnx" or ".safetensors" => throw new NotSupportedException($"{path}: reading {Path.GetExtension(path)} files is not supported yet (Keras .h5/.keras and model files are)."),
            _ => ModelFile.Load<float>(path).Model,
        };
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> in the format its extension names; returns a line saying what was written.</summary>
    public static string Save(Sequential<float> model, string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".onnx" => Written(() => OnnxExporter.Export(model, path), $"{path} (ONNX opset {OnnxExporter.Opset})"),
        ".safetensors" => Written(() => PyTorchStateDict.Save(model, path, ModulePerLayer(model)),
            $"{path} (PyTorch state_dict; one module per layer, named after it: {string.Join(", ", model.Layers.Where(l => l.Parameters.Count > 0).Select(l => l.Name))})"),
        ".h5" or ".hdf5" or ".keras" => throw new NotSupportedException($"{path}: writing Keras files is not supported; write a model file, .onnx or .safetensors."),
        _ => Written(() => ModelFile.Save(path, model), $"{path} (model file)"),
    };

    /// <summary>Whether the extension names a Keras file.</summary>
    public static bool IsKeras(string path) => Path.GetExtension(path).ToLowerInvariant() is ".h5" or ".hdf5" or ".keras";

    private static PyTorchModuleMap ModulePerLayer(Sequential<float> model)
    {
        var map = new PyTorchModuleMap();
        foreach (var layer in model.Layers.Where(l => l.Parameters.Count > 0)) map.Add(layer.Name, layer.Name);
        return map;
    }

    private static string Written(Action write, string what)
    {
        write();
        return "wrote " + what;
    }
}

/// <summary><c>recurrent convert</c>: a network from one format to another, by file extension.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("INPUT") { Description = "Keras .h5 / .keras (or a weights .h5 with --config), or a model file." };
        var output = new Argument<string>("OUTPUT") { Description = "A model file (any other extension, e.g. .rnn), .onnx, or .safetensors (PyTorch state_dict)." };
        var config = new Option<string?>("--config") { Description = "The architecture JSON of Keras' model.to_json(), for a weights-only INPUT." };
        var command = new Command("convert", "Convert a network between formats (by extension).") { input, output, config };
        command.SetAction(parsed =>
        {
            Sequential<float> model = NetworkFiles.Load(parsed.GetValue(input)!, parsed.GetValue(config));
            console.Out.WriteLine(NetworkFiles.Save(model, parsed.GetValue(output)!));
        });
        return command;
    }
}
