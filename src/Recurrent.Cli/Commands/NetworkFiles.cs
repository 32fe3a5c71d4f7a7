using Recurrent.Interop.Keras;
using Recurrent.Interop.Onnx;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Cli.Commands;

/// <summary>
/// Reads a network from any file the CLI accepts, by extension: Keras (<c>.h5</c>, <c>.keras</c>, or a weights file
/// with the architecture JSON of <c>model.to_json()</c>), ONNX (<c>.onnx</c>, through <see cref="OnnxImporter"/>), a
/// PyTorch state_dict (<c>.safetensors</c>, whose weights go into the layers of a model file of ours given as
/// <c>like</c>), and otherwise our model file.
/// </summary>
internal static class NetworkFiles
{
    /// <summary>True for files that hold a network only, without our preprocessing (tokenizer, scaler).</summary>
    public static bool IsForeign(string path) => Extension(path) is ".onnx" or ".safetensors" || IsKeras(path);

    /// <summary>Whether the extension names a Keras file.</summary>
    public static bool IsKeras(string path) => Extension(path) is ".h5" or ".hdf5" or ".keras";

    private static string Extension(string path) => Path.GetExtension(path).ToLowerInvariant();

    /// <summary>The network in <paramref name="path"/>, with our preprocessing when the file (or <paramref name="like"/>) has it.</summary>
    /// <param name="path">The input file.</param>
    /// <param name="like">For a <c>.safetensors</c> state_dict: our model file whose architecture receives the weights.</param>
    /// <param name="map">For a <c>.safetensors</c> state_dict: which PyTorch module holds which layers (default: each layer's own name).</param>
    /// <param name="kerasConfig">For a Keras weights file: the architecture JSON of <c>model.to_json()</c>.</param>
    public static LoadedModel<float> Load(string path, string? like = null, PyTorchModuleMap? map = null, string? kerasConfig = null)
    {
        EvaluateCommand.Existing(path);
        if (kerasConfig is not null && !IsKeras(path))
            throw new UsageException($"--config pairs a Keras weights file (.h5) with its architecture JSON; {path} is not a Keras file.");
        switch (Extension(path))
        {
            case ".h5" or ".hdf5" or ".keras":
                return new LoadedModel<float>(KerasModel.Load<float>(path, kerasConfig), null);
            case ".onnx":
                return new LoadedModel<float>(OnnxImporter.Import(path), null);
            case ".safetensors":
                if (like is null)
                    throw new UsageException($"{path}: a PyTorch state_dict holds weights only; give the architecture with --like MODEL (a model file of ours with the same layers).");
                LoadedModel<float> target = ModelFile.Load<float>(EvaluateCommand.Existing(like));
                PyTorchStateDict.Load(target.Model, path, map ?? ModuleMap(target.Model));
                return target;
            default:
                return ModelFile.Load<float>(path);
        }
    }

    /// <summary>The map that names each PyTorch module after the one layer with weights it holds (what convert writes by default).</summary>
    public static PyTorchModuleMap ModuleMap(Model<float> model)
    {
        var map = new PyTorchModuleMap();
        foreach (var layer in model.Layers.Where(l => l.Parameters.Count > 0)) map.Add(layer.Name, layer.Name);
        return map;
    }

    /// <summary>
    /// A map from <c>--map</c> values <c>MODULE=LAYER[,LAYER...]</c> (one per PyTorch module; an nn.LSTM with
    /// num_layers = 2 lists two layers), or null when none are given.
    /// </summary>
    public static PyTorchModuleMap? ParseMap(IReadOnlyList<string> entries)
    {
        if (entries.Count == 0) return null;
        var map = new PyTorchModuleMap();
        foreach (string entry in entries)
        {
            int equals = entry.IndexOf('=');
            if (equals < 0) throw new UsageException($"--map '{entry}': expected MODULE=LAYER[,LAYER...], e.g. rnn=lstm,lstm_1.");
            map.Add(entry[..equals], entry[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return map;
    }
}
