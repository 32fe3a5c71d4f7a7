using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Kernels.Activations;

namespace Recurrent.Interop.Keras;

/// <summary>A Keras model configuration turned into our layer configurations (see <see cref="LayerConfig"/>).</summary>
/// <param name="Name">The model's name in the file.</param>
/// <param name="Layers">Our configuration of each layer, in order (InputLayer dropped).</param>
/// <param name="InputShape">The input shape without the batch axis (−1 where Keras has None), or null when the file does not say.</param>
internal sealed record KerasArchitecture(string? Name, IReadOnlyList<JsonObject> Layers, int[]? InputShape);

/// <summary>
/// Reads the model configuration Keras writes (<c>model_config</c> of a legacy .h5, <c>config.json</c> of a .keras
/// archive, <c>model.to_json()</c>) for Keras 2.x, tf.keras 2.x and Keras 3. Every option is either translated,
/// checked to have the one value we can honour, or — when it cannot change what a trained model computes
/// (initializers, regularizers, constraints, <c>implementation</c>, <c>unroll</c>, dropout seeds) — skipped; any other
/// option, class or custom object is refused with <see cref="NotSupportedException"/> naming the layer and the option.
/// Nothing in the configuration is ever executed.
/// </summary>
internal static class KerasConfig
{
    // Options copied into our configuration under the same name, per Keras class; LayerConfig checks their values.
    private static readonly string[] RecurrentOptions =
        ["units", "activation", "use_bias", "return_sequences", "return_state", "go_backwards", "stateful", "dropout", "recurrent_dropout"];

    private static readonly Dictionary<string, string[]> CopiedOptions = new()
    {
        ["SimpleRNN"] = RecurrentOptions,
        ["LSTM"] = [.. RecurrentOptions, "recurrent_activation", "unit_forget_bias"],
        ["GRU"] = [.. RecurrentOptions, "recurrent_activation", "reset_after"],
        ["Dense"] = ["units", "activation", "use_bias"],
        ["Embedding"] = ["input_dim", "output_dim", "mask_zero"],
        ["Dropout"] = ["rate"],
        ["Activation"] = ["activation"],
        ["RepeatVector"] = ["n"],
        ["Flatten"] = [],
        ["Masking"] = ["mask_value"],
        ["Bidirectional"] = ["merge_mode"],
        ["TimeDistributed"] = [],
        ["InputLayer"] = [],
    };

    // Options that only shape training or the computation graph, never a trained model's outputs.
    private static readonly HashSet<string> SkippedOptions =
        ["activity_regularizer", "implementation", "unroll", "seed", "noise_shape", "input_length", "use_cudnn", "lora_alpha", "dtype", "name", "trainable"];

    // Options accepted only with the value given: anything else changes the computation in a way we do not implement.
    private static readonly Dictionary<string, JsonNode?> RequiredValues = new()
    {
        ["time_major"] = false,
        ["lora_rank"] = null,
        ["quantization_config"] = null,
        ["sparse"] = false,
        ["ragged"] = false,
        ["optional"] = false,
        ["zero_output_for_mask"] = false,
        ["data_format"] = "channels_last",
    };

    private static readonly string[] FloatPolicies = ["float16", "float32", "float64", "bfloat16", "mixed_float16", "mixed_bfloat16"];

    /// <summary>
    /// Translates <paramref name="model"/> (an object with <c>class_name</c> and <c>config</c>). <paramref name="kerasVersion"/>
    /// is the version that wrote the file, when known; it decides what <c>hard_sigmoid</c> means.
    /// </summary>
    /// <exception cref="NotSupportedException">A class, option, activation or custom object we cannot run.</exception>
    /// <exception cref="InvalidModelFileException">The configuration is malformed.</exception>
    public static KerasArchitecture Read(JsonNode? model, string? kerasVersion, string source)
    {
        if (model is not JsonObject root || Text(root, "class_name", source) is not string className)
            throw new InvalidModelFileException($"{source}: the model configuration is not an object with a class_name.");
        if (className != "Sequential")
            throw new NotSupportedException($"{source}: the model is a Keras {className}; only Sequential models can be imported (a functional model that is a plain chain of layers can be rebuilt as Sequential in Keras and saved again).");
        // Keras 2.0–2.1 stored a Sequential's config as the bare list of layers.
        JsonObject config = root["config"] as JsonObject ?? new JsonObject { ["layers"] = root["config"]?.DeepClone() };
        if (config["layers"] is not JsonArray entries || entries.Count == 0)
            throw new InvalidModelFileException($"{source}: the Sequential configuration has no list of layers.");

        var reader = new Reader(source, MajorVersion(kerasVersion) ?? (IsKeras3Serialization(entries) ? 3 : null));
        int[]? inputShape = null;
        var layers = new List<JsonObject>();
        foreach (JsonNode? node in entries)
        {
            var entry = node as JsonObject ?? throw new InvalidModelFileException($"{source}: a layer entry is not an object.");
            inputShape ??= layers.Count == 0 ? BatchShape(entry, source) : null;
            if (Text(entry, "class_name", source) == "InputLayer")
            {
                if (layers.Count > 0) throw new NotSupportedException($"{source}: an InputLayer after the first layer cannot be part of a Sequential model.");
                reader.Translate(entry, insideBidirectional: false);   // only checks its options
                continue;
            }
            layers.Add(reader.Translate(entry, insideBidirectional: false));
        }
        inputShape ??= Shape(config["build_input_shape"], source, "build_input_shape")
                       ?? Shape(root["build_config"]?["input_shape"], source, "build_config.input_shape");
        return new KerasArchitecture(config["name"]?.GetValueKind() == JsonValueKind.String ? config["name"]!.GetValue<string>() : null, layers, inputShape);
    }

    /// <summary>The major version of a Keras version string such as "2.2.4", "2.3.0-tf" or "3.10.0"; null when absent or unreadable.</summary>
    internal static int? MajorVersion(string? version)
    {
        if (string.IsNullOrEmpty(version)) return null;
        int end = version.IndexOf('.');
        return int.TryParse(end < 0 ? version : version[..end], NumberStyles.None, CultureInfo.InvariantCulture, out int major) ? major : null;
    }

    // Keras 3 serialises every object with a "module" key; Keras 2 never does. Used when no version is recorded
    // (Keras 3's to_json() writes none).
    private static bool IsKeras3Serialization(JsonArray entries) => entries.Any(e => e is JsonObject o && o.ContainsKey("module"));

    private static int[]? BatchShape(JsonObject entry, string source)
    {
        var config = entry["config"] as JsonObject;
        return Shape(config?["batch_shape"], source, "batch_shape") ?? Shape(config?["batch_input_shape"], source, "batch_input_shape")
               ?? Shape(entry["build_config"]?["input_shape"], source, "build_config.input_shape");
    }

    // A Keras batch shape [None, d1, ...] as our input shape [d1, ...] with −1 for None.
    private static int[]? Shape(JsonNode? node, string source, string what)
    {
        if (node is null) return null;
        try
        {
            var dims = node.AsArray().Select(d => d is null ? -1 : d.GetValue<int>()).Skip(1).ToArray();
            return dims.Length > 0 && dims.All(d => d == -1 || d > 0) ? dims : throw new FormatException("not a batch shape");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidModelFileException($"{source}: {what} {node.ToJsonString()} is not a batch shape.", e);
        }
    }

    private static string? Text(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new InvalidModelFileException($"{source}: '{key}' should be a string, got {other.ToJsonString()}."),
    };

    private sealed class Reader(string source, int? kerasMajor)
    {
        public JsonObject Translate(JsonObject entry, bool insideBidirectional)
        {
            string className = Text(entry, "class_name", source) ?? throw new InvalidModelFileException($"{source}: a layer entry has no class_name.");
            var config = entry["config"] as JsonObject ?? throw new InvalidModelFileException($"{source}: layer entry '{className}' has no config object.");
            string name = config["name"]?.GetValueKind() == JsonValueKind.String ? config["name"]!.GetValue<string>() : className;
            string layer = $"layer '{name}' ({className})";
            RequireBuiltIn(entry, className, layer);
            if (className == "Lambda")
                throw new NotSupportedException($"{source}: {layer} holds Python code, which is never run here; rewrite it as built-in layers.");
            if (!CopiedOptions.TryGetValue(className, out string[]? copied))
                throw new NotSupportedException($"{source}: {layer}: the class '{className}' is not supported (supported: {string.Join(", ", CopiedOptions.Keys)}).");

            var ours = new JsonObject { ["name"] = name };
            if (config["trainable"] is JsonNode trainable) ours["trainable"] = trainable.DeepClone();
            CheckDtype(config["dtype"], layer);
            foreach (var (key, value) in config)
            {
                if (copied.Contains(key))
                    ours[key] = key.EndsWith("activation", StringComparison.Ordinal) ? Activation(value, layer, key) : value?.DeepClone();
                else if (key is "layer" or "backward_layer" && className is "Bidirectional" or "TimeDistributed")
                    ours[key] = Translate(value as JsonObject ?? throw new InvalidModelFileException($"{source}: {layer} has no valid '{key}'."), className == "Bidirectional");
                else if (RequiredValues.TryGetValue(key, out JsonNode? required))
                {
                    bool allowed = JsonNode.DeepEquals(value, required) || (key == "data_format" && value is null)
                                   || (key == "zero_output_for_mask" && insideBidirectional);   // Bidirectional sets it itself
                    if (!allowed) throw new NotSupportedException($"{source}: {layer} has {key} = {value?.ToJsonString() ?? "null"}, which is not supported (only {required?.ToJsonString() ?? "null"}).");
                }
                else if (!SkippedOptions.Contains(key) && !IsTrainingOnly(key) && key is not ("batch_input_shape" or "batch_shape"))
                    throw new NotSupportedException($"{source}: {layer} has option '{key}', which is not supported.");
            }
            // Keras before 2.1 had only the reset-before GRU and wrote no reset_after; later versions always write it.
            if (className == "GRU" && !config.ContainsKey("reset_after")) ours["reset_after"] = false;
            return new JsonObject { ["class_name"] = className, ["config"] = ours };
        }

        // Keras 3 marks built-in classes with module "keras.layers" (or "keras") and no registered name; custom
        // classes carry their own module or a "package>Name" registration.
        private void RequireBuiltIn(JsonObject entry, string className, string layer)
        {
            string? module = Text(entry, "module", source);
            string? registered = Text(entry, "registered_name", source);
            if ((module is not null && module != "keras" && !module.StartsWith("keras.", StringComparison.Ordinal))
                || (registered is not null && registered != className))
                throw new NotSupportedException($"{source}: {layer} is a custom object (module '{module}', registered as '{registered}'); custom code is never run here.");
            foreach (var (key, _) in entry)
                if (key is not ("class_name" or "config" or "module" or "registered_name" or "build_config"))
                    throw new NotSupportedException($"{source}: {layer} has entry '{key}', which a Sequential layer does not have (a functional model?).");
        }

        private static bool IsTrainingOnly(string key) =>
            key.EndsWith("_initializer", StringComparison.Ordinal) || key.EndsWith("_regularizer", StringComparison.Ordinal) || key.EndsWith("_constraint", StringComparison.Ordinal);

        private void CheckDtype(JsonNode? dtype, string layer)
        {
            // A string (Keras 2, tf.keras) or a DTypePolicy object (Keras 3); we compute in float32 either way.
            string? policy = dtype switch
            {
                null => "float32",
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonObject o => o["config"]?["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null,
                _ => null,
            };
            if (policy is null || !FloatPolicies.Contains(policy))
                throw new NotSupportedException($"{source}: {layer} has dtype {dtype?.ToJsonString()}, which is not supported (floating-point policies only).");
        }

        private JsonNode? Activation(JsonNode? value, string layer, string option)
        {
            // Keras writes built-in activations by name; a dict is a custom or parameterised activation object.
            if (value is null) return null;
            if (value.GetValueKind() != JsonValueKind.String)
                throw new NotSupportedException($"{source}: {layer} has {option} {value.ToJsonString()}, a custom activation object; only built-in activation names are supported.");
            string name = value.GetValue<string>();
            if (name == "hard_sigmoid")
            {
                // Keras 1/2 and tf.keras 2 define hard_sigmoid as clip(0.2x + 0.5); Keras 3 as clip(x/6 + 0.5).
                name = kerasMajor switch
                {
                    < 3 => "hard_sigmoid_legacy",
                    >= 3 => "hard_sigmoid",
                    null => throw new NotSupportedException($"{source}: {layer} uses hard_sigmoid, whose definition changed in Keras 3, and the file does not say which Keras wrote it."),
                };
            }
            try { _ = Activation<float>.FromName(name); }
            catch (ArgumentException) { throw new NotSupportedException($"{source}: {layer} has {option} '{name}', which is not supported."); }
            return name;
        }
    }
}
