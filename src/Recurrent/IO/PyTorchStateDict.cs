using System.Collections;
using System.Numerics;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.IO;

/// <summary>
/// Which PyTorch module holds which of our layers: module prefix (as in the <c>state_dict</c> keys, "" for a bare
/// module) → our layer names, in order. An <c>nn.LSTM</c> / <c>nn.GRU</c> / <c>nn.RNN</c> with <c>num_layers</c> = L
/// maps to L recurrent layers (all <see cref="Bidirectional{T}"/> when it is bidirectional); an <c>nn.Linear</c> to one
/// <see cref="Dense{T}"/> or <c>TimeDistributed(Dense)</c>; an <c>nn.Embedding</c> to one <see cref="Embedding{T}"/>.
/// </summary>
/// <example>
/// <code>
/// var map = new PyTorchModuleMap { { "embedding", "embedding" }, { "lstm", "bidirectional", "bidirectional_1" }, { "fc", "dense" } };
/// PyTorchStateDict.Load(model, "model.safetensors", map);   // reads embedding.weight, lstm.weight_ih_l0, ..., fc.bias
/// </code>
/// </example>
public sealed class PyTorchModuleMap : IEnumerable<(string Module, IReadOnlyList<string> Layers)>
{
    private readonly List<(string Module, IReadOnlyList<string> Layers)> _entries = [];

    /// <summary>Maps PyTorch module <paramref name="module"/> to our layers named <paramref name="layers"/> (one per PyTorch layer index).</summary>
    /// <exception cref="ArgumentException">No layers are named, or the module or a layer is already mapped.</exception>
    public void Add(string module, params string[] layers)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (layers.Length == 0) throw new ArgumentException($"PyTorch module '{module}': name at least one of our layers.", nameof(layers));
        if (_entries.Any(e => e.Module == module)) throw new ArgumentException($"PyTorch module '{module}' is mapped twice.", nameof(module));
        foreach (string layer in layers)
            if (_entries.Any(e => e.Layers.Contains(layer)) || layers.Count(l => l == layer) > 1)
                throw new ArgumentException($"Layer '{layer}' is mapped to more than one PyTorch module or index.", nameof(layers));
        _entries.Add((module, layers.ToArray()));
    }

    /// <inheritdoc/>
    public IEnumerator<(string Module, IReadOnlyList<string> Layers)> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Exchanges weights with a PyTorch <c>state_dict</c> saved as safetensors (<c>safetensors.torch.save_file(model.state_dict(), path)</c>):
/// <c>nn.RNN</c> / <c>nn.LSTM</c> / <c>nn.GRU</c> (any <c>num_layers</c>, bidirectional), <c>nn.Linear</c> and <c>nn.Embedding</c>.
/// Gate orders and layouts are converted by <see cref="PyTorchWeights"/>: SimpleRNN and LSTM keep one bias,
/// <c>bias_ih + bias_hh</c>, and export it as <c>bias_ih</c> with a zero <c>bias_hh</c>; a GRU must be reset-after
/// (PyTorch's only form) and keeps both biases. Activations are not stored in a state_dict: the layers must be
/// configured as the PyTorch modules compute (tanh/sigmoid cells, or nn.RNN's <c>nonlinearity</c>).
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential&lt;float&gt;([new Gru&lt;float&gt;(5, returnSequences: true), new Gru&lt;float&gt;(5), new Dense&lt;float&gt;(1)], inputShape: [-1, 3]);
/// PyTorchStateDict.Load(model, "gru.safetensors", new PyTorchModuleMap { { "gru", "gru", "gru_1" }, { "head", "dense" } });
/// PyTorchStateDict.Save(model, "back.safetensors", map);   // gru.weight_ih_l0 [15, 3], ..., head.bias [1]
/// </code>
/// </example>
public static class PyTorchStateDict
{
    /// <summary>
    /// Sets the mapped layers' weights from the safetensors file at <paramref name="path"/>. Unbuilt layers are built from
    /// the tensors' shapes. With <paramref name="strict"/> (as PyTorch's <c>load_state_dict</c>), every tensor in the file
    /// must be used and every layer with weights must be mapped; otherwise both kinds of leftovers are ignored.
    /// </summary>
    /// <exception cref="InvalidModelFileException">A tensor is missing, left over or mis-shaped; the message names the file, the tensor and the layer.</exception>
    /// <exception cref="ArgumentException">The map names a layer the model lacks, or layers that no single PyTorch module can hold (including a reset-before GRU).</exception>
    public static void Load<T>(Model<T> model, string path, PyTorchModuleMap map, bool strict = true) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(map);
        Dictionary<string, Tensor<T>> tensors = SafeTensors.Read<T>(path).Tensors;
        var used = new HashSet<string>();
        var updates = new List<(Layer<T> Layer, IReadOnlyList<Tensor<T>> Weights)>();
        foreach (ModuleBinding<T> binding in Bind(model, map, strict))
            foreach (var (layer, entries) in binding.Layers)
            {
                var found = new List<Tensor<T>>();
                foreach (TensorEntry entry in entries)
                {
                    if (!tensors.TryGetValue(entry.Name, out Tensor<T>? tensor))
                        throw new InvalidModelFileException($"{path}: tensor '{entry.Name}' for layer '{layer.Name}' is missing{Nearby(tensors.Keys, binding.Module)}.");
                    if (!entry.Fits(tensor.Shape))
                        throw new InvalidModelFileException($"{path}: tensor '{entry.Name}' has shape {tensor.ShapeText}, layer '{layer.Name}' needs {entry.ShapeText}.");
                    used.Add(entry.Name);
                    found.Add(tensor);
                }
                // A bias this layer does not have would otherwise be dropped silently.
                foreach (string? bias in entries.Select(e => BiasTwin(e.Name)).Where(b => b is not null && tensors.ContainsKey(b) && !entries.Any(e => e.Name == b)))
                    throw new InvalidModelFileException($"{path}: tensor '{bias}' exists but layer '{layer.Name}' has no bias (use_bias=false); configure the layer with a bias.");
                updates.Add((layer, ToKeras(layer, found)));
            }
        if (strict && tensors.Keys.Except(used).OrderBy(n => n, StringComparer.Ordinal).ToArray() is { Length: > 0 } extra)
            throw new InvalidModelFileException($"{path}: {extra.Length} tensor(s) not used by the map: {string.Join(", ", extra.Take(8))}{(extra.Length > 8 ? ", ..." : "")} (map their modules, or pass strict: false).");
        // Set weights only once everything checked out, so a bad file leaves the model as it was.
        foreach (var (layer, weights) in updates) SetWeights(layer, weights);
    }

    /// <summary>
    /// Writes the mapped layers' weights to <paramref name="path"/> (atomically) as a PyTorch state_dict in safetensors,
    /// in map order; <c>module.load_state_dict(safetensors.torch.load_file(path))</c> loads it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A mapped layer is not built.</exception>
    /// <exception cref="ArgumentException">The map names a layer the model lacks, or layers that no single PyTorch module can hold (including a reset-before GRU).</exception>
    public static void Save<T>(Model<T> model, string path, PyTorchModuleMap map, bool strict = true) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(map);
        var tensors = new List<(string Name, Tensor<T> Tensor)>();
        foreach (ModuleBinding<T> binding in Bind(model, map, strict))
            foreach (var (layer, entries) in binding.Layers)
            {
                if (!layer.IsBuilt) throw new InvalidOperationException($"Layer '{layer.Name}' is not built; build the model before saving PyTorch weights.");
                Tensor<T>[] values = ToPyTorch(layer);
                for (int i = 0; i < entries.Count; i++) tensors.Add((entries[i].Name, values[i]));
            }
        // safetensors' own PyTorch writer marks its files this way.
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    // One PyTorch module and, for each of its layers, our layer and the state_dict entries it holds (in the order
    // ToKeras takes and ToPyTorch returns them).
    private sealed record ModuleBinding<T>(string Module, IReadOnlyList<(Layer<T> Layer, IReadOnlyList<TensorEntry> Entries)> Layers)
        where T : struct, IFloatingPointIeee754<T>;

    // A state_dict entry: its name and expected shape (−1 where our layer does not know it yet, e.g. an unbuilt input size).
    private sealed record TensorEntry(string Name, int[] Shape)
    {
        public bool Fits(ReadOnlySpan<int> actual)
        {
            if (actual.Length != Shape.Length) return false;
            for (int i = 0; i < Shape.Length; i++)
                if (Shape[i] >= 0 && Shape[i] != actual[i]) return false;
            return true;
        }

        public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d < 0 ? "any" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }

    private static List<ModuleBinding<T>> Bind<T>(Model<T> model, PyTorchModuleMap map, bool strict) where T : struct, IFloatingPointIeee754<T>
    {
        var byName = model.Layers.ToDictionary(l => l.Name);
        var bindings = new List<ModuleBinding<T>>();
        foreach (var (module, names) in map)
        {
            var layers = names.Select(n => byName.TryGetValue(n, out Layer<T>? layer) ? layer
                : throw new ArgumentException($"PyTorch module '{module}' is mapped to layer '{n}', which model '{model.Name}' does not have (layers: {string.Join(", ", byName.Keys)}).")).ToArray();
            bindings.Add(new ModuleBinding<T>(module, Entries(module, layers)));
        }
        if (strict)
        {
            var mapped = map.SelectMany(e => e.Layers).ToHashSet();
            if (model.Layers.FirstOrDefault(l => HasWeights(l) && !mapped.Contains(l.Name)) is { } unmapped)
                throw new ArgumentException($"Layer '{unmapped.Name}' ({unmapped.TypeName}) has weights but no PyTorch module is mapped to it (map it, or pass strict: false).");
        }
        return bindings;
    }

    private static bool HasWeights<T>(Layer<T> layer) where T : struct, IFloatingPointIeee754<T> =>
        layer is TimeDistributed<T> wrapper ? HasWeights(wrapper.Layer) : layer is not WeightlessLayer<T>;

    private static List<(Layer<T>, IReadOnlyList<TensorEntry>)> Entries<T>(string module, Layer<T>[] layers) where T : struct, IFloatingPointIeee754<T>
    {
        string prefix = module.Length == 0 ? "" : module + ".";
        var result = new List<(Layer<T>, IReadOnlyList<TensorEntry>)>();
        if (layers.All(l => l is RecurrentLayer<T> or Bidirectional<T>))
        {
            RecurrentLayer<T>[] first = Directions(layers[0]);
            for (int k = 0; k < layers.Length; k++)
            {
                RecurrentLayer<T>[] directions = Directions(layers[k]);
                if (directions.Length != first.Length || directions[0].GetType() != first[0].GetType() || directions[0].Units != first[0].Units || directions[0].UseBias != first[0].UseBias)
                    throw new ArgumentException($"PyTorch module '{module}': layers '{layers[0].Name}' and '{layers[k].Name}' differ in type, units, bias or direction, which one nn.{ModuleType(first[0])} cannot hold.");
                var entries = new List<TensorEntry>();
                for (int d = 0; d < directions.Length; d++)
                    entries.AddRange(RecurrentEntries(prefix, k, d, directions[d]));
                result.Add((layers[k], entries));
            }
            return result;
        }
        if (layers.Length != 1)
            throw new ArgumentException($"PyTorch module '{module}': only a recurrent module holds several layers; got {string.Join(", ", layers.Select(l => $"'{l.Name}' ({l.TypeName})"))}.");
        Layer<T> single = layers[0];
        IReadOnlyList<TensorEntry> singleEntries = (single is TimeDistributed<T> wrapper ? wrapper.Layer : single) switch
        {
            Dense<T> dense => dense.UseBias
                ? [new(prefix + "weight", [dense.Units, DenseInput(dense)]), new(prefix + "bias", [dense.Units])]
                : [new(prefix + "weight", [dense.Units, DenseInput(dense)])],
            Embedding<T> embedding => [new(prefix + "weight", [embedding.InputDim, embedding.OutputDim])],
            var other => throw new ArgumentException($"PyTorch module '{module}': layer '{single.Name}' ({other.TypeName}) has no PyTorch counterpart here (recurrent, Bidirectional, Dense, TimeDistributed(Dense), Embedding)."),
        };
        result.Add((single, singleEntries));
        return result;
    }

    private static int DenseInput<T>(Dense<T> dense) where T : struct, IFloatingPointIeee754<T> =>
        dense.IsBuilt ? dense.Parameters[0].Value.Dim(0) : -1;

    private static RecurrentLayer<T>[] Directions<T>(Layer<T> layer) where T : struct, IFloatingPointIeee754<T> =>
        layer is Bidirectional<T> both ? [both.ForwardLayer, both.BackwardLayer] : [(RecurrentLayer<T>)layer];

    private static IEnumerable<TensorEntry> RecurrentEntries<T>(string prefix, int index, int direction, RecurrentLayer<T> layer) where T : struct, IFloatingPointIeee754<T>
    {
        if (layer is Gru<T> { ResetAfter: false })
            throw new ArgumentException($"Layer '{layer.Name}' is a reset-before GRU (reset_after=False); PyTorch's nn.GRU is reset-after, so no state_dict holds it.");
        string suffix = $"_l{index}" + (direction == 1 ? "_reverse" : "");
        int gates = layer.Units * GateCount(layer);
        int input = layer.IsBuilt ? layer.Cell.Kernel.Value.Dim(0) : -1;
        yield return new(prefix + "weight_ih" + suffix, [gates, input]);
        yield return new(prefix + "weight_hh" + suffix, [gates, layer.Units]);
        if (!layer.UseBias) yield break;
        yield return new(prefix + "bias_ih" + suffix, [gates]);
        yield return new(prefix + "bias_hh" + suffix, [gates]);
    }

    // "lstm.weight_ih_l0" → "lstm.bias_ih_l0", "fc.weight" → "fc.bias".
    private static string? BiasTwin(string weightName)
    {
        int dot = weightName.LastIndexOf('.') + 1;
        return weightName.AsSpan(dot).StartsWith("weight") ? weightName[..dot] + "bias" + weightName[(dot + "weight".Length)..] : null;
    }

    private static RecurrentKind Kind<T>(RecurrentLayer<T> layer) where T : struct, IFloatingPointIeee754<T> => layer switch
    {
        SimpleRnn<T> => RecurrentKind.SimpleRnn,
        Lstm<T> => RecurrentKind.Lstm,
        Gru<T> => RecurrentKind.Gru,
        _ => throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) has no PyTorch counterpart."),
    };

    private static int GateCount<T>(RecurrentLayer<T> layer) where T : struct, IFloatingPointIeee754<T> =>
        Kind(layer) switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 };

    private static string ModuleType<T>(RecurrentLayer<T> layer) where T : struct, IFloatingPointIeee754<T> =>
        Kind(layer) switch { RecurrentKind.Lstm => "LSTM", RecurrentKind.Gru => "GRU", _ => "RNN" };

    // PyTorch tensors of one layer (as listed by Entries) → Keras weights in SetWeights order.
    private static IReadOnlyList<Tensor<T>> ToKeras<T>(Layer<T> layer, List<Tensor<T>> found) where T : struct, IFloatingPointIeee754<T>
    {
        switch (layer is TimeDistributed<T> wrapper ? wrapper.Layer : layer)
        {
            case Embedding<T>:
                return found;
            case Dense<T>:
                return [Transpose(found[0]), .. found.Skip(1)];
        }
        var weights = new List<Tensor<T>>();
        RecurrentLayer<T>[] directions = Directions(layer);
        int perDirection = found.Count / directions.Length;
        for (int d = 0; d < directions.Length; d++)
        {
            List<Tensor<T>> part = found.GetRange(d * perDirection, perDirection);
            weights.AddRange(PyTorchWeights.ToKeras(Kind(directions[d]), part[0], part[1], part.ElementAtOrDefault(2), part.ElementAtOrDefault(3)));
        }
        return weights;
    }

    // Our layer's weights → PyTorch tensors in Entries order.
    private static Tensor<T>[] ToPyTorch<T>(Layer<T> layer) where T : struct, IFloatingPointIeee754<T>
    {
        IReadOnlyList<Tensor<T>> weights = layer.GetWeights();
        switch (layer is TimeDistributed<T> wrapper ? wrapper.Layer : layer)
        {
            case Embedding<T>:
                return [.. weights];
            case Dense<T>:
                return [Transpose(weights[0]), .. weights.Skip(1)];
        }
        var tensors = new List<Tensor<T>>();
        int offset = 0;
        foreach (RecurrentLayer<T> direction in Directions(layer))
        {
            int count = direction.Parameters.Count;
            var (weightIh, weightHh, biasIh, biasHh) = PyTorchWeights.FromKeras(Kind(direction), weights.Skip(offset).Take(count).ToArray());
            offset += count;
            tensors.Add(weightIh);
            tensors.Add(weightHh);
            if (biasIh is not null) tensors.Add(biasIh);
            if (biasHh is not null) tensors.Add(biasHh);
        }
        return [.. tensors];
    }

    private static void SetWeights<T>(Layer<T> layer, IReadOnlyList<Tensor<T>> weights) where T : struct, IFloatingPointIeee754<T>
    {
        if (layer is TimeDistributed<T> wrapper) wrapper.Layer.SetWeights(weights);
        else layer.SetWeights(weights);
    }

    // nn.Linear's weight is [out, in]; Keras' kernel is [in, out].
    private static Tensor<T> Transpose<T>(Tensor<T> matrix) where T : struct, IFloatingPointIeee754<T>
    {
        int rows = matrix.Dim(0), columns = matrix.Dim(1);
        var result = Tensor<T>.Zeros(columns, rows);
        Kernels.Transpose.Matrix<T>(matrix.Span, rows, columns, result.Span);
        return result;
    }

    // Helps with a misspelt prefix: the names the file does have under the module, or its first names.
    private static string Nearby(IEnumerable<string> names, string module)
    {
        string[] under = names.Where(n => module.Length == 0 || n.StartsWith(module + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        string[] shown = under.Length > 0 ? under : names.Order(StringComparer.Ordinal).ToArray();
        string label = under.Length > 0 ? $"the file has under '{module}'" : $"no tensor starts with '{module}.'; the file has";
        return shown.Length == 0 ? " (the file has no tensors)" : $" ({label}: {string.Join(", ", shown.Take(8))}{(shown.Length > 8 ? ", ..." : "")})";
    }
}
