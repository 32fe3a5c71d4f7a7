using System.Numerics;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Interop.Keras;

/// <summary>
/// Loads Keras weights into a model built in code: Keras 2 / tf.keras <c>save_weights("w.h5")</c> files, Keras 3
/// <c>.weights.h5</c> files, and the weights of full-model <c>.h5</c> and <c>.keras</c> files. Layers are matched by
/// order (layers without weights skipped), as Keras' <c>load_weights</c> does, and every shape is checked before any
/// weight is read.
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential&lt;float&gt;([new Lstm&lt;float&gt;(8), new Dense&lt;float&gt;(1)], inputShape: [-1, 3]);
/// KerasWeights.LoadInto(model, "lstm.weights.h5");   // layers/lstm/cell/vars/0..2, layers/dense/vars/0..1
/// </code>
/// </example>
public static class KerasWeights
{
    /// <summary>Sets the weights of <paramref name="model"/> (built) from the Keras file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    /// <exception cref="InvalidModelFileException">The file is damaged or not a Keras weights file, or its weights do not fit the model (count or shape); the message names the file, the layer and the weight.</exception>
    public static void LoadInto<T>(Model<T> model, string path) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        if (!model.IsBuilt) throw new InvalidOperationException($"{model.Name}: build the model before loading Keras weights into it.");
        var targets = model.Layers.Select(layer => new WeightTarget<T>(layer, layer.Parameters.Select(p => p.Value.Shape.ToArray()).ToArray())).ToArray();
        using Hdf5File file = KerasArchive.IsArchive(path) ? KerasArchive.OpenWeights(path) : Hdf5File.Open(path);
        IReadOnlyList<Tensor<T>[]> values = KerasWeightLayout.Detect(file).Read(targets);
        foreach (var (target, tensors) in targets.Where(t => t.Shapes.Length > 0).Zip(values)) target.Layer.SetWeights(tensors);
    }
}
