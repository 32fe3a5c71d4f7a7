using System.Numerics;
using PureHDF;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Interop.Keras;

/// <summary>One of our layers and the weight shapes it needs, in Keras order (empty for a layer without weights).</summary>
internal sealed record WeightTarget<T>(Layer<T> Layer, int[][] Shapes) where T : struct, IFloatingPointIeee754<T>;

/// <summary>
/// Where a Keras HDF5 file keeps its weights. Layers are matched by order, as Keras' own loaders do, and every
/// declared shape is compared with what the model needs before any weight is read, so a damaged or mismatched file
/// never makes us allocate more than the model itself holds.
/// </summary>
internal abstract class KerasWeightLayout(Hdf5File file)
{
    protected Hdf5File File { get; } = file;

    /// <summary>
    /// The weight groups Keras 2 / tf.keras / Keras 3 legacy .h5 files use (full models under <c>model_weights</c>,
    /// <c>save_weights</c> files at the root), or the object tree of Keras 3 <c>.weights.h5</c> and <c>.keras</c>.
    /// </summary>
    /// <exception cref="InvalidModelFileException">The file has none of these layouts.</exception>
    public static KerasWeightLayout Detect(Hdf5File file)
    {
        if (file.Group(file.Root, "model_weights") is IH5Group modelWeights) return new LayerGroups(file, modelWeights);
        if (file.StringListAttribute(file.Root, "layer_names") is not null) return new LayerGroups(file, file.Root);
        if (file.Group(file.Root, "layers") is not null) return new ObjectTree(file);
        throw new InvalidModelFileException($"{file.Source}: no Keras weights found (neither a model_weights group, a layer_names attribute nor a layers group).");
    }

    /// <summary>The weights for every target with shapes, in target order, each checked against its shapes.</summary>
    /// <exception cref="InvalidModelFileException">Missing, extra or mis-shaped weights; the message names the file, the layer and the weight.</exception>
    public abstract IReadOnlyList<Tensor<T>[]> Read<T>(IReadOnlyList<WeightTarget<T>> targets) where T : struct, IFloatingPointIeee754<T>;

    /// <summary>Checks the declared shapes of <paramref name="paths"/> against the target, then reads them.</summary>
    protected Tensor<T>[] ReadChecked<T>(WeightTarget<T> target, IH5Group group, IReadOnlyList<string> paths, string where)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (paths.Count != target.Shapes.Length)
            throw new InvalidModelFileException($"{File.Source}: {where} holds {paths.Count} weights; layer '{target.Layer.Name}' ({target.Layer.TypeName}) needs {target.Shapes.Length} ({Shapes(target.Shapes)}).");
        for (int i = 0; i < paths.Count; i++)
        {
            int[] shape = File.Shape(group, paths[i]);
            if (!shape.AsSpan().SequenceEqual(target.Shapes[i]))
                throw new InvalidModelFileException($"{File.Source}: weight '{paths[i]}' in {where} is {Tensor<float>.FormatShape(shape)}; layer '{target.Layer.Name}' ({target.Layer.TypeName}) needs {Tensor<float>.FormatShape(target.Shapes[i])} there.");
        }
        return paths.Select(p => File.Read<T>(group, p)).ToArray();
    }

    private static string Shapes(int[][] shapes) => string.Join(", ", shapes.Select(s => Tensor<float>.FormatShape(s)));

    // Keras 2, tf.keras and Keras 3 legacy .h5: one group per layer named in the layer_names attribute, whose
    // weight_names attribute lists the dataset paths inside the group in the layer's weight order.
    private sealed class LayerGroups(Hdf5File file, IH5Group root) : KerasWeightLayout(file)
    {
        public override IReadOnlyList<Tensor<T>[]> Read<T>(IReadOnlyList<WeightTarget<T>> targets)
        {
            IReadOnlyList<string> layerNames = File.StringListAttribute(root, "layer_names")
                ?? throw new InvalidModelFileException($"{File.Source}: '{root.Name}' has no layer_names attribute.");
            var stored = new List<(string Layer, IH5Group Group, IReadOnlyList<string> Weights)>();
            foreach (string name in layerNames)
            {
                IH5Group group = File.Group(root, name) ?? throw new InvalidModelFileException($"{File.Source}: layer_names lists '{name}' but there is no such group.");
                IReadOnlyList<string> weights = File.StringListAttribute(group, "weight_names") ?? [];
                if (weights.Count > 0) stored.Add((name, group, weights));
            }
            WeightTarget<T>[] weighted = targets.Where(t => t.Shapes.Length > 0).ToArray();
            if (stored.Count != weighted.Length)
                throw new InvalidModelFileException($"{File.Source}: the file has weights for {stored.Count} layers ({string.Join(", ", stored.Select(s => s.Layer))}); " +
                    $"the model has {weighted.Length} layers with weights ({string.Join(", ", weighted.Select(t => t.Layer.Name))}).");
            return weighted.Select((target, i) => ReadChecked(target, stored[i].Group, stored[i].Weights, $"layer group '{stored[i].Layer}'")).ToArray();
        }
    }

    // Keras 3 (saving_lib): the model's object tree, layers/<snake_case class name>[_k]/.../vars/0..n, where k counts
    // earlier layers of the same class; a recurrent layer keeps its weights in its cell, the wrappers in their
    // sub-layers.
    private sealed class ObjectTree(Hdf5File file) : KerasWeightLayout(file)
    {
        public override IReadOnlyList<Tensor<T>[]> Read<T>(IReadOnlyList<WeightTarget<T>> targets)
        {
            IH5Group layersGroup = File.Group(File.Root, "layers")!;
            var used = new Dictionary<string, int>();
            var visited = new HashSet<string>();
            var result = new List<Tensor<T>[]>();
            foreach (WeightTarget<T> target in targets)
            {
                string snake = SnakeCase(target.Layer.TypeName);
                int index = used[snake] = used.TryGetValue(snake, out int seen) ? seen + 1 : 0;
                string name = index == 0 ? snake : $"{snake}_{index}";
                visited.Add(name);
                if (target.Shapes.Length == 0) continue;
                IH5Group group = File.Group(layersGroup, name)
                    ?? throw new InvalidModelFileException($"{File.Source}: there is no 'layers/{name}' for layer '{target.Layer.Name}' ({target.Layer.TypeName}).");
                var paths = VariablePaths(target.Layer, "").SelectMany(vars => Variables(group, vars, name)).ToArray();
                result.Add(ReadChecked(target, group, paths, $"'layers/{name}'"));
            }
            foreach (string child in File.ChildNames(layersGroup))
                if (!visited.Contains(child) && HasVariables(File.Group(layersGroup, child)!))
                    throw new InvalidModelFileException($"{File.Source}: 'layers/{child}' holds weights that no layer of the model takes.");
            return result;
        }

        // The vars groups of a layer, relative to its own group, in Keras' weight order.
        private static IEnumerable<string> VariablePaths<T>(Layer<T> layer, string prefix) where T : struct, IFloatingPointIeee754<T> => layer switch
        {
            RecurrentLayer<T> => [prefix + "cell/vars"],
            Bidirectional<T> bi => [.. VariablePaths(bi.ForwardLayer, prefix + "forward_layer/"), .. VariablePaths(bi.BackwardLayer, prefix + "backward_layer/")],
            TimeDistributed<T> wrapper => VariablePaths(wrapper.Layer, prefix + "layer/"),
            _ => [prefix + "vars"],
        };

        // Keras names a layer's variables 0, 1, ... in creation order.
        private IEnumerable<string> Variables(IH5Group group, string vars, string layer)
        {
            IH5Group varsGroup = File.Group(group, vars) ?? throw new InvalidModelFileException($"{File.Source}: 'layers/{layer}/{vars}' is missing.");
            int count = File.ChildNames(varsGroup).Count;
            for (int i = 0; i < count; i++) yield return $"{vars}/{i}";
        }

        private bool HasVariables(IH5Group group) =>
            File.ChildNames(group).Any(child => child == "vars" ? File.ChildNames(File.Group(group, "vars")!).Count > 0 : File.Group(group, child) is IH5Group sub && HasVariables(sub));
    }

    /// <summary>Keras' snake_case of a class name, as saving_lib names objects: "SimpleRNN" → "simple_rnn", "TimeDistributed" → "time_distributed".</summary>
    internal static string SnakeCase(string className)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < className.Length; i++)
        {
            char c = className[i];
            bool startsWord = i > 0 && char.IsUpper(c)
                && (char.IsLower(className[i - 1]) || (i + 1 < className.Length && char.IsLower(className[i + 1])));
            if (startsWord) text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
