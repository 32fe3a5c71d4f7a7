using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.IO;

/// <summary>A model read from a file, with the preprocessing state saved beside it (tokenizer, scaler, window), if any.</summary>
public sealed record LoadedModel<T>(Sequential<T> Model, JsonNode? Preprocessing) where T : struct, IFloatingPointIeee754<T>;

/// <summary>A model file read as a graph (Functional, or Sequential, its linear case), with its preprocessing state.</summary>
public sealed record LoadedFunctional<T>(Functional<T> Model, JsonNode? Preprocessing) where T : struct, IFloatingPointIeee754<T>;

/// <summary>
/// The model file: one safetensors file (see docs/model-file.md) whose metadata holds the format name and version,
/// the model configuration as Keras-style JSON, the compile settings, and the preprocessing state; the tensors are
/// the weights, named <c>layer/index/weight</c>. Saved atomically; loaded as untrusted input.
/// </summary>
/// <example>
/// <code>
/// ModelFile.Save("sentiment.rnn", model, preprocessing: tokenizer.ToJson());
/// LoadedModel&lt;float&gt; loaded = ModelFile.Load&lt;float&gt;("sentiment.rnn");
/// </code>
/// </example>
public static class ModelFile
{
    /// <summary>The value of the <c>format</c> metadata entry.</summary>
    public const string FormatName = "recurrent-model";

    /// <summary>The newest format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Writes <paramref name="model"/> (built) and <paramref name="preprocessing"/> to <paramref name="path"/>.</summary>
    public static void Save<T>(string path, Model<T> model, JsonNode? preprocessing = null) where T : struct, IFloatingPointIeee754<T>
    {
        if (model is not Functional<T> functional) throw new NotSupportedException($"{model.Name}: only Sequential and Functional models can be saved.");
        if (!model.IsBuilt) throw new InvalidOperationException($"{model.Name}: build or train the model before saving it.");
        // Sequential models keep their own, simpler configuration (a list of layers), as files written before functional models.
        JsonObject config = functional is Sequential<T> sequential ? SequentialConfig(sequential) : functional.GetConfig();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["dtype"] = typeof(T) == typeof(float) ? "float32" : "float64",
            ["model_config"] = config.ToJsonString(),
        };
        if (TrainingConfig(model) is JsonObject training) metadata["training_config"] = training.ToJsonString();
        if (preprocessing is not null) metadata["preprocessing"] = preprocessing.ToJsonString();
        SafeTensors.Write(path, WeightEntries(model).ToArray(), metadata);
    }

    private static JsonObject SequentialConfig<T>(Sequential<T> model) where T : struct, IFloatingPointIeee754<T>
    {
        var config = new JsonObject
        {
            ["name"] = model.Name,
            ["input_shape"] = new JsonArray(model.InputShape!.Select(d => (JsonNode)d).ToArray()),
            ["layers"] = new JsonArray(model.Layers.Select(l => (JsonNode)LayerConfig.ToJson(l)).ToArray()),
        };
        if (model.Seed is int seed) config["seed"] = seed;
        return new JsonObject { ["class_name"] = "Sequential", ["config"] = config };
    }

    /// <summary>Reads a model file of a Sequential model; it is built, has its weights, and is compiled when the file says how.</summary>
    /// <exception cref="InvalidModelFileException">The file is not a valid model file, or holds a functional model (read it with <see cref="LoadFunctional"/>); the message names it and the problem.</exception>
    public static LoadedModel<T> Load<T>(string path) where T : struct, IFloatingPointIeee754<T>
    {
        LoadedFunctional<T> loaded = LoadFunctional<T>(path);
        return loaded.Model is Sequential<T> sequential ? new LoadedModel<T>(sequential, loaded.Preprocessing)
            : throw new InvalidModelFileException($"{path}: holds functional model '{loaded.Model.Name}'; read it with ModelFile.LoadFunctional.");
    }

    /// <summary>Reads a model file of a Functional or Sequential model; it is built, has its weights, and is compiled when the file says how.</summary>
    /// <exception cref="InvalidModelFileException">The file is not a valid model file; the message names it and the problem.</exception>
    public static LoadedFunctional<T> LoadFunctional<T>(string path) where T : struct, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = SafeTensors.Read<T>(path);
        string Meta(string key) => metadata.TryGetValue(key, out string? value) ? value
            : throw new InvalidModelFileException($"{path}: metadata '{key}' is missing; this is not a {FormatName} file.");
        if (Meta("format") != FormatName) throw new InvalidModelFileException($"{path}: format is '{metadata["format"]}', expected '{FormatName}'.");
        if (!int.TryParse(Meta("format_version"), CultureInfo.InvariantCulture, out int version) || version < 1 || version > FormatVersion)
            throw new InvalidModelFileException($"{path}: format version {metadata["format_version"]} is not supported (this library reads 1 to {FormatVersion}).");

        JsonNode config = ParseJson(Meta("model_config"), path, "model_config");
        Functional<T> model = config["class_name"]?.ToString() == "Functional" ? Functional<T>.FromConfig(config, path) : ReadSequential<T>(config, path);

        var expected = WeightEntries(model).Select(entry => entry.Name).ToHashSet();
        foreach (string name in tensors.Keys)
            if (!expected.Contains(name)) throw new InvalidModelFileException($"{path}: tensor '{name}' belongs to no weight of the model.");
        foreach (Layer<T> layer in model.Layers)
        {
            var weights = new List<Tensor<T>>();
            foreach (string name in LayerWeightNames(layer))
                weights.Add(tensors.TryGetValue(name, out Tensor<T>? tensor) ? tensor : throw new InvalidModelFileException($"{path}: weight '{name}' is missing."));
            try { layer.SetWeights(weights); }
            catch (ShapeException e) { throw new InvalidModelFileException($"{path}: {e.Message}", e); }
        }
        if (metadata.TryGetValue("training_config", out string? training)) Compile(model, ParseJson(training, path, "training_config"), path);
        JsonNode? preprocessing = metadata.TryGetValue("preprocessing", out string? state) ? ParseJson(state, path, "preprocessing") : null;
        return new LoadedFunctional<T>(model, preprocessing);
    }

    private static Sequential<T> ReadSequential<T>(JsonNode config, string path) where T : struct, IFloatingPointIeee754<T>
    {
        if (config["class_name"]?.ToString() != "Sequential" || config["config"] is not JsonObject body || body["layers"] is not JsonArray layerList)
            throw new InvalidModelFileException($"{path}: model_config must describe a Sequential or Functional model with a list of layers.");
        int[] inputShape;
        try { inputShape = body["input_shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        { throw new InvalidModelFileException($"{path}: model_config has no valid input_shape.", e); }
        int? seed;
        try { seed = body["seed"]?.GetValue<int>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw new InvalidModelFileException($"{path}: model_config has an invalid seed {body["seed"]!.ToJsonString()} (an integer is expected).", e); }
        var model = new Sequential<T>(layerList.Select(node => LayerConfig.FromJson<T>(node, path)), seed: seed, name: body["name"]?.ToString());
        try { model.Build(inputShape); }
        catch (ArgumentException e) { throw new InvalidModelFileException($"{path}: the layers do not fit together ({e.Message}).", e); }
        return model;
    }

    private static JsonNode ParseJson(string text, string path, string what)
    {
        try { return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false }) ?? throw new InvalidModelFileException($"{path}: {what} is empty."); }
        catch (JsonException e) { throw new InvalidModelFileException($"{path}: {what} is not valid JSON ({e.Message}).", e); }
    }

    private static IEnumerable<string> LayerWeightNames<T>(Layer<T> layer) where T : struct, IFloatingPointIeee754<T> =>
        layer.Parameters.Select((p, i) => $"{layer.Name}/{i}/{p.Name}");

    private static IEnumerable<(string Name, Tensor<T> Tensor)> WeightEntries<T>(Model<T> model) where T : struct, IFloatingPointIeee754<T> =>
        model.Layers.SelectMany(layer => LayerWeightNames(layer).Zip(layer.Parameters, (name, p) => (name, p.Value)));

    private static JsonObject? TrainingConfig<T>(Model<T> model) where T : struct, IFloatingPointIeee754<T>
    {
        if (model.CompiledLoss is not Loss loss || model.CompiledOptimizer is not Optimizer optimizer) return null;
        return new JsonObject
        {
            ["loss"] = loss.Name,
            ["from_logits"] = loss.FromLogits,
            ["metrics"] = new JsonArray(model.MetricNames.Select(m => (JsonNode)m).ToArray()),
            ["optimizer"] = new JsonObject { ["name"] = optimizer.Name, ["learning_rate"] = optimizer.LearningRate },
        };
    }

    private static void Compile<T>(Model<T> model, JsonNode training, string path) where T : struct, IFloatingPointIeee754<T>
    {
        try
        {
            bool fromLogits = training["from_logits"]?.GetValue<bool>() ?? false;
            string lossName = training["loss"]!.GetValue<string>();
            Loss loss = lossName switch
            {
                "binary_crossentropy" => Loss.BinaryCrossentropy(fromLogits),
                "categorical_crossentropy" => Loss.CategoricalCrossentropy(fromLogits),
                "sparse_categorical_crossentropy" => Loss.SparseCategoricalCrossentropy(fromLogits),
                _ => Loss.FromName(lossName),
            };
            double rate = training["optimizer"]!["learning_rate"]!.GetValue<double>();
            Optimizer optimizer = training["optimizer"]!["name"]!.GetValue<string>() switch
            {
                "sgd" => new Sgd(rate),
                "adam" => new Adam(rate),
                "adamw" => new AdamW(rate),
                "rmsprop" => new RmsProp(rate),
                "adagrad" => new Adagrad(rate),
                var other => throw new InvalidModelFileException($"{path}: training_config names unknown optimizer '{other}'."),
            };
            string[] metrics = training["metrics"]?.AsArray().Select(m => m!.GetValue<string>()).ToArray() ?? [];
            model.Compile(optimizer, loss, metrics);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
            throw new InvalidModelFileException($"{path}: training_config is malformed ({e.Message}).", e);
        }
    }
}
