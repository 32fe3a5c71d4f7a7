using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Recurrent.Layers;

namespace Recurrent.IO;

/// <summary>
/// Layer configurations in Keras' JSON shape, <c>{"class_name": "LSTM", "config": {"name": ..., "units": ...}}</c>,
/// with Keras' option names. Reading is strict: an unknown class or option is refused with a message naming the
/// layer and the option, never ignored.
/// </summary>
public static class LayerConfig
{
    /// <summary>The configuration of <paramref name="layer"/>.</summary>
    public static JsonObject ToJson<T>(Layer<T> layer) where T : struct, IFloatingPointIeee754<T>
    {
        var config = new JsonObject { ["name"] = layer.Name, ["trainable"] = layer.Trainable };
        if (layer.Seed is int seed) config["seed"] = seed;
        switch (layer)
        {
            case RecurrentLayer<T> rnn:
                config["units"] = rnn.Units;
                config["use_bias"] = rnn.UseBias;
                config["return_sequences"] = rnn.ReturnSequences;
                config["return_state"] = rnn.ReturnState;
                config["go_backwards"] = rnn.GoBackwards;
                config["stateful"] = rnn.Stateful;
                config["dropout"] = rnn.Dropout;
                config["recurrent_dropout"] = rnn.RecurrentDropout;
                switch (rnn)
                {
                    case SimpleRnn<T> simple:
                        config["activation"] = simple.Activation.Name;
                        break;
                    case Lstm<T> lstm:
                        config["activation"] = lstm.Activation.Name;
                        config["recurrent_activation"] = lstm.RecurrentActivation.Name;
                        config["unit_forget_bias"] = lstm.UnitForgetBias;
                        break;
                    case Gru<T> gru:
                        config["activation"] = gru.Activation.Name;
                        config["recurrent_activation"] = gru.RecurrentActivation.Name;
                        config["reset_after"] = gru.ResetAfter;
                        break;
                }
                break;
            case Bidirectional<T> bi:
                config["layer"] = ToJson(bi.ForwardLayer);
                config["backward_layer"] = ToJson(bi.BackwardLayer);
                config["merge_mode"] = bi.MergeMode == MergeMode.None ? null : bi.MergeMode.ToString().ToLowerInvariant();
                break;
            case TimeDistributed<T> wrapper:
                config["layer"] = ToJson(wrapper.Layer);
                break;
            case Dense<T> dense:
                config["units"] = dense.Units;
                config["activation"] = dense.Activation.Name;
                config["use_bias"] = dense.UseBias;
                break;
            case Embedding<T> embedding:
                config["input_dim"] = embedding.InputDim;
                config["output_dim"] = embedding.OutputDim;
                config["mask_zero"] = embedding.MaskZero;
                break;
            case Dropout<T> dropout:
                config["rate"] = dropout.Rate;
                break;
            case ActivationLayer<T> activation:
                config["activation"] = activation.Activation.Name;
                break;
            case RepeatVector<T> repeat:
                config["n"] = repeat.N;
                break;
            case Masking<T> masking:
                config["mask_value"] = double.CreateChecked(masking.MaskValue);
                break;
            case LayerNormalization<T> norm:
                config["epsilon"] = norm.Epsilon;
                config["center"] = norm.Center;
                config["scale"] = norm.Scale;
                break;
            case Flatten<T>:
                break;
            case Concatenate<T>:
                config["axis"] = -1;
                break;
            case LuongAttention<T> luong:
                config["score"] = luong.Score;
                config["use_scale"] = luong.UseScale;
                break;
            case BahdanauAttention<T> bahdanau:
                config["units"] = bahdanau.Units;
                config["use_bias"] = bahdanau.UseBias;
                break;
            default:
                throw new NotSupportedException($"{layer.Name}: layers of type {layer.GetType().Name} cannot be saved.");
        }
        return new JsonObject { ["class_name"] = layer.TypeName, ["config"] = config };
    }

    /// <summary>Builds the (unbuilt) layer a configuration describes; <paramref name="source"/> names the file in messages.</summary>
    /// <exception cref="InvalidModelFileException">Unknown class, unknown or malformed option.</exception>
    public static Layer<T> FromJson<T>(JsonNode? node, string source) where T : struct, IFloatingPointIeee754<T>
    {
        if (node is not JsonObject entry || entry["class_name"]?.GetValueKind() != System.Text.Json.JsonValueKind.String || entry["config"] is not JsonObject config)
            throw new InvalidModelFileException($"{source}: a layer entry needs \"class_name\" and an object \"config\".");
        string className = entry["class_name"]!.GetValue<string>();
        var options = new Options(config, source, className);
        string? name = options.String("name", null);
        int? seed = options.OptionalInt("seed");
        bool trainable = options.Bool("trainable", true);
        Layer<T> layer;
        try { layer = Create(); }
        catch (ArgumentException e) // a constructor refused a value: units ≤ 0, an unknown activation, a rate outside [0, 1]
        { throw new InvalidModelFileException($"{source}: layer '{name ?? className}' ({className}): {e.Message}", e); }
        options.RejectUnknown(name ?? className);
        layer.Trainable = trainable;
        if (seed is not null) layer.Seed = seed;
        return layer;

        Layer<T> Create() => className switch
        {
            "SimpleRNN" => new SimpleRnn<T>(options.Int("units"), options.String("activation", "tanh"), options.Bool("use_bias", true),
                options.Bool("return_sequences", false), options.Bool("return_state", false), options.Bool("go_backwards", false),
                dropout: options.Double("dropout", 0), recurrentDropout: options.Double("recurrent_dropout", 0), stateful: options.Bool("stateful", false), seed: seed, name: name),
            "LSTM" => new Lstm<T>(options.Int("units"), options.String("activation", "tanh"), options.String("recurrent_activation", "sigmoid"),
                options.Bool("use_bias", true), options.Bool("unit_forget_bias", true), options.Bool("return_sequences", false),
                options.Bool("return_state", false), options.Bool("go_backwards", false), dropout: options.Double("dropout", 0),
                recurrentDropout: options.Double("recurrent_dropout", 0), stateful: options.Bool("stateful", false), seed: seed, name: name),
            "GRU" => new Gru<T>(options.Int("units"), options.String("activation", "tanh"), options.String("recurrent_activation", "sigmoid"),
                options.Bool("use_bias", true), options.Bool("reset_after", true), options.Bool("return_sequences", false),
                options.Bool("return_state", false), options.Bool("go_backwards", false), dropout: options.Double("dropout", 0),
                recurrentDropout: options.Double("recurrent_dropout", 0), stateful: options.Bool("stateful", false), seed: seed, name: name),
            "Bidirectional" => new Bidirectional<T>(Recurrent<T>(options.Node("layer"), source, name), MergeModeOf(options.String("merge_mode", "concat"), options),
                options.Has("backward_layer") ? Recurrent<T>(options.Node("backward_layer"), source, name) : null, name),
            "TimeDistributed" => new TimeDistributed<T>(FromJson<T>(options.Node("layer"), source), name),
            "Dense" => new Dense<T>(options.Int("units"), options.String("activation", null), options.Bool("use_bias", true), seed: seed, name: name),
            "Embedding" => new Embedding<T>(options.Int("input_dim"), options.Int("output_dim"), options.Bool("mask_zero", false), seed: seed, name: name),
            "Dropout" => new Dropout<T>(options.Double("rate", 0), seed, name),
            "Activation" => new ActivationLayer<T>(options.String("activation", null) ?? "linear", name),
            "RepeatVector" => new RepeatVector<T>(options.Int("n"), name),
            "Flatten" => new Flatten<T>(name),
            "Concatenate" => options.Int("axis") == -1 ? new Concatenate<T>(name)
                : throw new InvalidModelFileException($"{source}: layer '{name}' (Concatenate): only axis -1 is supported, got {options.Int("axis")}."),
            "Masking" => new Masking<T>(T.CreateChecked(options.Double("mask_value", 0)), name),
            "LuongAttention" => new LuongAttention<T>(options.String("score", "dot") ?? "dot", options.Bool("use_scale", false), seed: seed, name: name),
            "BahdanauAttention" => new BahdanauAttention<T>(options.Int("units"), options.Bool("use_bias", true), seed: seed, name: name),
            "LayerNormalization" => new LayerNormalization<T>(options.Double("epsilon", 1e-3), options.Bool("center", true), options.Bool("scale", true), name),
            _ => throw new InvalidModelFileException($"{source}: layer '{name}' has unsupported class '{className}'."),
        };
    }

    private static RecurrentLayer<T> Recurrent<T>(JsonNode? node, string source, string? owner) where T : struct, IFloatingPointIeee754<T> =>
        FromJson<T>(node, source) as RecurrentLayer<T>
        ?? throw new InvalidModelFileException($"{source}: layer '{owner}' wraps a layer that is not recurrent.");

    private static MergeMode MergeModeOf(string? mode, Options options) => mode switch
    {
        null => MergeMode.None,
        "concat" => MergeMode.Concat,
        "sum" => MergeMode.Sum,
        "mul" => MergeMode.Mul,
        "ave" => MergeMode.Ave,
        _ => throw options.Invalid("merge_mode", mode),
    };

    // Typed access to a config object that remembers which keys were read, so unknown ones can be refused.
    private sealed class Options(JsonObject config, string source, string className)
    {
        private readonly HashSet<string> _read = [];

        public bool Has(string key) => config.ContainsKey(key);

        public JsonNode? Node(string key)
        {
            _read.Add(key);
            return config[key] ?? throw Invalid(key, "missing");
        }

        public string? String(string key, string? fallback)
        {
            _read.Add(key);
            if (!config.TryGetPropertyValue(key, out JsonNode? node) || node is null) return fallback;
            return node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : throw Invalid(key, node.ToJsonString());
        }

        public int Int(string key) => OptionalInt(key) ?? throw Invalid(key, "missing");

        public int? OptionalInt(string key)
        {
            _read.Add(key);
            if (!config.TryGetPropertyValue(key, out JsonNode? node) || node is null) return null;
            try { return node.GetValue<int>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Invalid(key, node.ToJsonString()); }
        }

        public double Double(string key, double fallback)
        {
            _read.Add(key);
            if (!config.TryGetPropertyValue(key, out JsonNode? node) || node is null) return fallback;
            try { return node.GetValue<double>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw Invalid(key, node.ToJsonString()); }
        }

        public bool Bool(string key, bool fallback)
        {
            _read.Add(key);
            if (!config.TryGetPropertyValue(key, out JsonNode? node) || node is null) return fallback;
            return node.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.True => true,
                System.Text.Json.JsonValueKind.False => false,
                _ => throw Invalid(key, node.ToJsonString()),
            };
        }

        public InvalidModelFileException Invalid(string key, string? value) =>
            new($"{source}: layer '{config["name"]?.ToString() ?? className}' ({className}) has an invalid {key}: {value}.");

        public void RejectUnknown(string layer)
        {
            foreach (var (key, _) in config)
                if (!_read.Contains(key))
                    throw new InvalidModelFileException($"{source}: layer '{layer}' ({className}) has option '{key}', which is not supported.");
        }
    }
}
