using System.Collections.Concurrent;
using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// A layer with an explicit forward pass and a backward pass that returns the input gradient and accumulates (+=)
/// the gradients of its parameters. Weights are created in <c>Build</c> once the input size is known, as in Keras.
/// </summary>
public abstract class Layer<T> where T : struct, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<string, int> NameCounters = new();

    /// <summary>Names the layer <paramref name="name"/>, or Keras-style <c>prefix</c>, <c>prefix_1</c>, ... when null.</summary>
    protected Layer(string? name, string prefix)
    {
        if (name is not null)
        {
            Name = name;
            return;
        }
        int index = NameCounters.AddOrUpdate(prefix, 0, (_, n) => n + 1);
        Name = index == 0 ? prefix : $"{prefix}_{index}";
    }

    /// <summary>The layer's name, used in every error message about it.</summary>
    public string Name { get; }

    /// <summary>True once the weights exist.</summary>
    public abstract bool IsBuilt { get; }

    /// <summary>The trainable weights in Keras order (empty before <see cref="IsBuilt"/>).</summary>
    public abstract IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Runs the layer on a batch.</summary>
    public abstract Tensor<T> Forward(Tensor<T> input, bool training = false);

    /// <summary>Given dLoss/d(output of the last <see cref="Forward"/>), returns dLoss/d(input) and accumulates weight gradients.</summary>
    public abstract Tensor<T> Backward(Tensor<T> outputGradient);

    /// <summary>Copies of the weights, in Keras' order and layouts.</summary>
    public IReadOnlyList<Tensor<T>> GetWeights() => Parameters.Select(p => p.Value.Clone()).ToArray();

    /// <summary>
    /// Sets the weights from Keras-ordered, Keras-shaped tensors (copied). An unbuilt layer builds itself from them.
    /// </summary>
    /// <exception cref="ShapeException">The count or a shape differs; the message names the layer, the weight and both shapes.</exception>
    public void SetWeights(IReadOnlyList<Tensor<T>> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!IsBuilt) BuildFromWeights(weights);
        IReadOnlyList<Parameter<T>> parameters = Parameters;
        if (weights.Count != parameters.Count)
            throw new ShapeException($"{Name}: SetWeights expected {parameters.Count} weights ({string.Join(", ", parameters.Select(p => p.Name))}), got {weights.Count}.");
        for (int i = 0; i < weights.Count; i++)
            weights[i].RequireShapeOf(Name, $"SetWeights weight {i} ({parameters[i].Name})", parameters[i].Value);
        for (int i = 0; i < weights.Count; i++)
            weights[i].Span.CopyTo(parameters[i].Value.Span);
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (Parameter<T> parameter in Parameters) parameter.ZeroGradient();
    }

    /// <summary>Builds an unbuilt layer from the shapes of weights given to <see cref="SetWeights"/>.</summary>
    protected abstract void BuildFromWeights(IReadOnlyList<Tensor<T>> weights);
}
