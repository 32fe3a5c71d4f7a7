using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Layers;

namespace Recurrent.Models;

public partial class Functional<T>
{
    /// <summary>
    /// The model's configuration in Keras' functional shape: every input (<c>InputLayer</c>) and layer with its
    /// <c>inbound_nodes</c> — per application, the tensors it reads as <c>[layer, node index, tensor index]</c>
    /// (<c>args</c>: one, or every input of a multi-input layer; then a recurrent layer's <c>initial_state</c>) — and the <c>input_layers</c> and <c>output_layers</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A layer has no configuration.</exception>
    public JsonObject GetConfig()
    {
        JsonArray Reference(GraphTensor<T> tensor) => tensor.Producer is GraphNode<T> producer
            ? [producer.Layer.Name, _nodeIndex[Array.IndexOf(_nodes, producer)], tensor.OutputIndex]
            : [((Input<T>)tensor).Name, 0, 0];
        var layers = new JsonArray();
        foreach (Input<T> input in _inputs)
            layers.Add(new JsonObject
            {
                ["class_name"] = "InputLayer",
                ["name"] = input.Name,
                ["config"] = new JsonObject { ["name"] = input.Name, ["shape"] = new JsonArray(input.ShapeArray.Select(d => (JsonNode)d).ToArray()) },
                ["inbound_nodes"] = new JsonArray(),
            });
        foreach (Layer<T> layer in _layers)
        {
            JsonObject entry = LayerConfig.ToJson(layer);
            entry["name"] = layer.Name;
            var nodes = new JsonArray();
            foreach (GraphNode<T> node in _nodes.Where(n => n.Layer == layer))
            {
                GraphTensor<T>[] args = node.Kind == GraphNodeKind.Multi ? node.Inputs : node.Inputs[..1];
                var call = new JsonObject { ["args"] = new JsonArray(args.Select(a => (JsonNode)Reference(a)).ToArray()) };
                if (node.Kind == GraphNodeKind.Sequence && node.Inputs.Length > 1) call["initial_state"] = new JsonArray(node.Inputs[1..].Select(s => (JsonNode)Reference(s)).ToArray());
                nodes.Add(call);
            }
            entry["inbound_nodes"] = nodes;
            layers.Add(entry);
        }
        var body = new JsonObject
        {
            ["name"] = Name,
            ["layers"] = layers,
            ["input_layers"] = new JsonArray(_inputs.Select(i => (JsonNode)Reference(i)).ToArray()),
            ["output_layers"] = new JsonArray(_outputs.Select(o => (JsonNode)Reference(o)).ToArray()),
        };
        if (Seed is int seed) body["seed"] = seed;
        return new JsonObject { ["class_name"] = "Functional", ["config"] = body };
    }

    /// <summary>Rebuilds a model (new, unbuilt-weight layers) from <see cref="GetConfig"/>; <paramref name="source"/> names the file in messages.</summary>
    /// <exception cref="InvalidModelFileException">The configuration is malformed, refers to tensors no layer makes, or its nodes form a cycle.</exception>
    public static Functional<T> FromConfig(JsonNode config, string source)
    {
        InvalidModelFileException Bad(string problem, Exception? inner = null) => new($"{source}: {problem}", inner);
        if (config["class_name"]?.GetValueKind() != JsonValueKind.String || config["class_name"]!.GetValue<string>() != "Functional"
            || config["config"] is not JsonObject body || body["layers"] is not JsonArray entries)
            throw Bad("model_config must describe a Functional model with a list of layers.");
        try
        {
            var made = new Dictionary<(string Layer, int Node), GraphTensor<T>[]>();
            var inputs = new Dictionary<string, Input<T>>();
            var pending = new List<(Layer<T> Layer, JsonArray Nodes)>();
            foreach (JsonNode? entry in entries)
            {
                if (entry?["class_name"]?.GetValueKind() == JsonValueKind.String && entry["class_name"]!.GetValue<string>() == "InputLayer")
                {
                    string name = entry["config"]!["name"]!.GetValue<string>();
                    var input = new Input<T>(entry["config"]!["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(), name);
                    if (!inputs.TryAdd(name, input)) throw Bad($"input '{name}' is listed twice.");
                    made[(name, 0)] = [input];
                    continue;
                }
                Layer<T> layer = LayerConfig.FromJson<T>(entry, source);
                pending.Add((layer, entry!["inbound_nodes"] as JsonArray ?? throw Bad($"layer '{layer.Name}' has no inbound_nodes list.")));
            }
            var known = pending.SelectMany(p => Enumerable.Range(0, p.Nodes.Count).Select(n => (p.Layer.Name, n))).Concat(inputs.Keys.Select(k => (k, 0))).ToHashSet();

            // Apply the layers node by node, each as soon as what it reads exists; a pass that applies nothing means
            // the remaining nodes wait for each other.
            var applied = new int[pending.Count];
            while (true)
            {
                bool progress = false;
                for (int l = 0; l < pending.Count; l++)
                    while (applied[l] < pending[l].Nodes.Count && Apply(pending[l].Layer, pending[l].Nodes[applied[l]]!, applied[l], Resolve) is GraphTensor<T>[] outputs)
                    {
                        made[(pending[l].Layer.Name, applied[l]++)] = outputs;
                        progress = true;
                    }
                if (!progress) break;
            }
            for (int l = 0; l < pending.Count; l++)
                if (applied[l] < pending[l].Nodes.Count)
                {
                    JsonNode node = pending[l].Nodes[applied[l]]!;
                    var missing = References(node).Select(Key).First(r => !made.ContainsKey((r.Layer, r.Node)));
                    throw known.Contains((missing.Layer, missing.Node))
                        ? Bad($"the inbound nodes form a cycle: layer '{pending[l].Layer.Name}' node {applied[l]} reads '{missing.Layer}'[{missing.Node}][{missing.Tensor}], which depends on it.")
                        : Bad($"layer '{pending[l].Layer.Name}' node {applied[l]} reads '{missing.Layer}'[{missing.Node}][{missing.Tensor}], which no layer makes.");
                }

            GraphTensor<T> Output(JsonNode? reference) => Resolve(reference) ?? throw Bad($"output {reference?.ToJsonString()} is made by no layer.");
            Input<T>[] modelInputs = body["input_layers"]!.AsArray().Select(r => Output(r) as Input<T> ?? throw Bad($"{r!.ToJsonString()} is not an input.")).ToArray();
            GraphTensor<T>[] modelOutputs = body["output_layers"]!.AsArray().Select(Output).ToArray();
            return new Functional<T>(modelInputs, modelOutputs, body["name"]?.GetValue<string>(), body["seed"]?.GetValue<int>());

            GraphTensor<T>? Resolve(JsonNode? reference)
            {
                var (layer, node, tensor) = Key(reference);
                if (!made.TryGetValue((layer, node), out GraphTensor<T>[]? outputs)) return null;
                return tensor >= 0 && tensor < outputs.Length ? outputs[tensor] : throw Bad($"'{layer}'[{node}] has no output {tensor}.");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            throw Bad($"model_config does not describe a valid functional model ({e.Message})", e);
        }
    }

    private static (string Layer, int Node, int Tensor) Key(JsonNode? reference)
    {
        JsonArray parts = reference!.AsArray();
        return parts.Count == 3 ? (parts[0]!.GetValue<string>(), parts[1]!.GetValue<int>(), parts[2]!.GetValue<int>())
            : throw new FormatException($"a tensor reference is [layer, node index, tensor index], got {reference.ToJsonString()}.");
    }

    private static IEnumerable<JsonNode?> References(JsonNode node) =>
        node["args"]!.AsArray().Concat(node["initial_state"]?.AsArray() ?? []);

    // One application from its inbound node, or null while a tensor it reads is not made yet.
    private static GraphTensor<T>[]? Apply(Layer<T> layer, JsonNode node, int index, Func<JsonNode?, GraphTensor<T>?> resolve)
    {
        GraphTensor<T>?[] found = References(node).Select(resolve).ToArray();
        if (found.Any(r => r is null)) return null;
        GraphTensor<T>[] reads = found!;
        int args = node["args"]!.AsArray().Count;
        if (layer is IMultiInputLayer<T> && args > 1 && node["initial_state"] is null) return LayerCalls.CallMany(layer, reads);
        if (args != 1)
            throw new FormatException($"layer '{layer.Name}' node {index} must read one tensor in args, got {args}.");
        if (layer is RecurrentLayer<T> recurrent)
        {
            RecurrentCall<T> call = recurrent.Call(reads[0], node["initial_state"] is null ? null : reads[1..]);
            return call.ReturnsStates ? [call.Output, .. call.States] : [call.Output];
        }
        if (node["initial_state"] is not null) throw new FormatException($"layer '{layer.Name}' is not recurrent and takes no initial_state.");
        return [layer.Call(reads[0])];
    }
}
