using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Interop.Keras;

/// <summary>
/// Imports Keras models: legacy full-model <c>.h5</c> files (Keras 2.x, tf.keras 2.x and Keras 3's
/// <c>save("m.h5")</c>), Keras 3 <c>.keras</c> archives, and weights files (<c>save_weights</c> .h5, Keras 3
/// <c>.weights.h5</c>) paired with the architecture JSON of <c>model.to_json()</c>. The result is a built
/// <see cref="Sequential{T}"/> whose <c>GetWeights</c> returns the file's arrays. See docs/interop-keras.md for what
/// is supported and what is refused.
/// </summary>
/// <example>
/// <code>
/// Sequential&lt;float&gt; model = KerasModel.Load&lt;float&gt;("lstm_model.h5");
/// Tensor&lt;float&gt; y = model.Predict(x);                                   // x [3, 60, 1] → y [3, 1]
/// Sequential&lt;float&gt; pair = KerasModel.Load&lt;float&gt;("weights.h5", "model.json");   // save_weights + to_json
/// </code>
/// </example>
public static class KerasModel
{
    /// <summary>Largest config.json / metadata.json / architecture JSON accepted, so a damaged size cannot exhaust memory.</summary>
    private const int MaxJsonBytes = 64 << 20;

    /// <summary>
    /// Loads the model at <paramref name="path"/>: a <c>.keras</c> archive, or an HDF5 file that holds the model
    /// configuration; with <paramref name="configPath"/> (the JSON of <c>model.to_json()</c>) the architecture comes
    /// from there and <paramref name="path"/> may hold weights only.
    /// </summary>
    /// <exception cref="NotSupportedException">A layer, option, activation or custom object we cannot run; the message names the layer and the option.</exception>
    /// <exception cref="InvalidModelFileException">The file is damaged, truncated, of another kind, or its weights do not fit the architecture; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static Sequential<T> Load<T>(string path, string? configPath = null) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        if (configPath is not null)
        {
            JsonNode config = ParseJson(ReadBounded(File.OpenRead(configPath), configPath, "the architecture JSON"), configPath);
            return KerasArchive.IsArchive(path)
                ? KerasArchive.Load<T>(path, config)
                : FromHdf5<T>(path, h5 => (config, config["keras_version"]?.ToString() ?? OptionalAttribute(h5, "keras_version")), configPath);
        }
        if (KerasArchive.IsArchive(path)) return KerasArchive.Load<T>(path, null);
        return FromHdf5<T>(path, h5 =>
        {
            if (!h5.HasAttribute(h5.Root, "model_config"))
                throw new InvalidModelFileException($"{path}: the file holds weights only (no model_config); give the architecture JSON from model.to_json() as well.");
            return (ParseJson(h5.StringAttribute(h5.Root, "model_config"), path), OptionalAttribute(h5, "keras_version"));
        }, path);
    }

    private static Sequential<T> FromHdf5<T>(string path, Func<Hdf5File, (JsonNode Config, string? Version)> configOf, string configSource)
        where T : struct, IFloatingPointIeee754<T>
    {
        using Hdf5File h5 = Hdf5File.Open(path);
        var (config, version) = configOf(h5);
        return Build<T>(KerasConfig.Read(config, version, configSource), KerasWeightLayout.Detect(h5), path);
    }

    private static string? OptionalAttribute(Hdf5File h5, string name) => h5.HasAttribute(h5.Root, name) ? h5.StringAttribute(h5.Root, name) : null;

    /// <summary>Builds the model an architecture describes and sets its weights from <paramref name="weights"/>.</summary>
    internal static Sequential<T> Build<T>(KerasArchitecture architecture, KerasWeightLayout weights, string source) where T : struct, IFloatingPointIeee754<T>
    {
        var layers = architecture.Layers.Select(config => LayerConfig.FromJson<T>(config, source)).ToList();
        int[] inputShape = architecture.InputShape
            ?? (layers[0] is Embedding<T> ? [-1] : throw new InvalidModelFileException($"{source}: the configuration does not record the model's input shape."));
        try
        {
            // Shapes are worked out from the configuration before anything is allocated, then compared with the file.
            var targets = new List<WeightTarget<T>>();
            int[] shape = inputShape;
            foreach (Layer<T> layer in layers)
            {
                targets.Add(new WeightTarget<T>(layer, WeightShapes(layer, shape, source)));
                shape = layer.ComputeOutputShape(shape);
            }
            IReadOnlyList<Tensor<T>[]> values = weights.Read(targets);
            var model = new Sequential<T>(layers, name: architecture.Name);
            model.Build(inputShape);
            foreach (var (target, tensors) in targets.Where(t => t.Shapes.Length > 0).Zip(values)) target.Layer.SetWeights(tensors);
            return model;
        }
        catch (Exception e) when (e is ShapeException or ArgumentException)
        {
            throw new InvalidModelFileException($"{source}: the layers do not fit together ({e.Message}).", e);
        }
    }

    /// <summary>The weights <paramref name="layer"/> creates for inputs of <paramref name="inputShape"/>, in Keras' order and layouts.</summary>
    private static int[][] WeightShapes<T>(Layer<T> layer, int[] inputShape, string source) where T : struct, IFloatingPointIeee754<T>
    {
        int inputSize = inputShape.Length > 0 ? inputShape[^1] : -1;
        if (inputSize <= 0 && layer is RecurrentLayer<T> or Bidirectional<T> or Dense<T> or TimeDistributed<T>)
            throw new InvalidModelFileException($"{source}: layer '{layer.Name}' gets inputs of shape {Tensor<T>.FormatShape(inputShape)}, whose feature size is unknown.");
        switch (layer)
        {
            case RecurrentLayer<T> rnn:
                int gates = rnn switch { Lstm<T> => 4, Gru<T> => 3, _ => 1 };
                int width = gates * rnn.Units;
                int[] bias = rnn is Gru<T> { ResetAfter: true } ? [2, width] : [width];
                return rnn.UseBias ? [[inputSize, width], [rnn.Units, width], bias] : [[inputSize, width], [rnn.Units, width]];
            case Bidirectional<T> bi:
                return [.. WeightShapes(bi.ForwardLayer, inputShape, source), .. WeightShapes(bi.BackwardLayer, inputShape, source)];
            case TimeDistributed<T> wrapper:
                return WeightShapes(wrapper.Layer, inputShape[1..], source);
            case Dense<T> dense:
                return dense.UseBias ? [[inputSize, dense.Units], [dense.Units]] : [[inputSize, dense.Units]];
            case Embedding<T> embedding:
                return [[embedding.InputDim, embedding.OutputDim]];
            default:
                return [];
        }
    }

    /// <summary>Reads at most <see cref="MaxJsonBytes"/> of UTF-8 text from <paramref name="stream"/> (disposed).</summary>
    internal static string ReadBounded(Stream stream, string source, string what)
    {
        using (stream)
        {
            var buffer = new MemoryStream();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxJsonBytes) throw new InvalidModelFileException($"{source}: {what} is larger than {MaxJsonBytes >> 20} MB.");
                buffer.Write(chunk, 0, read);
            }
            return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }

    /// <summary>Parses JSON from a file, naming the file when it is not valid JSON.</summary>
    internal static JsonNode ParseJson(string text, string source)
    {
        try { return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false }) ?? throw new InvalidModelFileException($"{source}: the model configuration is empty."); }
        catch (JsonException e) { throw new InvalidModelFileException($"{source}: the model configuration is not valid JSON ({e.Message}).", e); }
    }
}
