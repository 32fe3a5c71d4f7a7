using System.CommandLine;
using Recurrent.Interop.Onnx;
using Recurrent.IO;

namespace Recurrent.Cli.Commands;

/// <summary>
/// <c>recurrent convert INPUT OUTPUT</c>: a network from one format to another, both chosen by extension. In: our
/// model file, Keras <c>.h5</c> / <c>.keras</c> (a weights-only file with <c>--config</c>), <c>.onnx</c>,
/// <c>.safetensors</c> (a PyTorch state_dict, with <c>--like MODEL</c> for the architecture). Out: <c>.onnx</c>, <c>.safetensors</c> (a state_dict torch.nn modules load), or our model file.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("INPUT") { Description = "The model to read: our model file, Keras .h5 / .keras, .onnx, or .safetensors (PyTorch state_dict, with --like)." };
        var output = new Argument<string>("OUTPUT") { Description = "The file to write: .onnx, .safetensors (PyTorch state_dict), or our model file (any other name)." };
        var like = new Option<string?>("--like") { Description = "For a .safetensors input: a model file of ours with the same layers, which receive the weights." };
        var map = new Option<string[]>("--map")
        {
            Description = "For .safetensors: PyTorch module and our layers it holds, MODULE=LAYER[,LAYER...], once per module (default: each layer its own module, named after it).",
            AllowMultipleArgumentsPerToken = true,
        };
        var config = new Option<string?>("--config") { Description = "For a Keras weights-only INPUT: the architecture JSON of Keras' model.to_json()." };
        var command = new Command("convert", "Convert a model between our model file, Keras (in only), ONNX and PyTorch state_dict safetensors.") { input, output, like, map, config };
        command.SetAction(parsed =>
        {
            string from = parsed.GetValue(input)!, to = parsed.GetValue(output)!;
            PyTorchModuleMap? modules = NetworkFiles.ParseMap(parsed.GetValue(map) ?? []);
            LoadedModel<float> loaded = NetworkFiles.Load(from, parsed.GetValue(like), modules, parsed.GetValue(config));
            switch (Path.GetExtension(to).ToLowerInvariant())
            {
                case ".onnx":
                    OnnxExporter.Export(loaded.Model, to);
                    break;
                case ".safetensors":
                    PyTorchStateDict.Save(loaded.Model, to, modules ?? NetworkFiles.ModuleMap(loaded.Model));
                    break;
                case ".h5" or ".keras":
                    throw new UsageException($"{to}: writing Keras files is not supported.");
                default:
                    ModelFile.Save(to, loaded.Model, loaded.Preprocessing?.DeepClone());
                    break;
            }
            console.Out.WriteLine($"wrote {to} ({loaded.Model.Layers.Count} layers, {loaded.Model.Layers.Sum(l => l.Parameters.Sum(p => p.Value.Length))} weights)");
        });
        return command;
    }
}
