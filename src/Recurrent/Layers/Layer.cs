using System.Collections.Concurrent;
using System.Numerics;
using Recurrent.Randomness;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// A layer with an explicit forward pass and a backward pass that returns the input gradient and accumulates (+=)
/// the gradients of its parameters. Weights are created in <c>Build</c> once the input size is known, as in Keras.
/// </summary>
public abstract class Layer<T> where T : struct, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<string, int> NameCounters = new();

    private ResumableRandom? _random;

    /// <summary>
    /// Names the layer <paramref name="name"/>, or Keras-style <c>prefix</c>, <c>prefix_1</c>, ... when null;
    /// <paramref name="seed"/> fixes its random numbers (initial weights, dropout masks).
    /// </summary>
    protected Layer(string? name, string prefix, int? seed = null)
    {
        Seed = seed;
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

    /// <summary>
    /// Seed of the layer's random numbers (initial weights, dropout masks); null draws one at random.
    /// A model with a seed gives each unseeded layer one derived from it before building.
    /// </summary>
    public int? Seed { get; internal set; }

    /// <summary>The layer's generator, created from <see cref="Seed"/> on first use.</summary>
    protected Random Random => _random ??= new ResumableRandom(Seed ?? System.Random.Shared.Next());

    /// <summary>The generator's state for a training checkpoint (null before first use); setting it continues from there.</summary>
    internal int[]? RandomState
    {
        get => _random?.GetState();
        set => _random = value is null ? null : ResumableRandom.FromState(value);
    }

    /// <summary>Layers this one wraps (Bidirectional's two directions, TimeDistributed's layer), for checkpoints.</summary>
    internal virtual IEnumerable<Layer<T>> InnerLayers => [];

    /// <summary>The Keras class name shown by <c>Summary()</c>, e.g. <c>LSTM</c>.</summary>
    public abstract string TypeName { get; }

    /// <summary>True once the weights exist.</summary>
    public abstract bool IsBuilt { get; }

    /// <summary>Whether an optimizer updates this layer's weights (Keras' <c>trainable</c>).</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// Creates the weights for inputs of shape <paramref name="inputShape"/> (without the batch axis; −1 for a
    /// dimension not known in advance, such as the number of time steps). Layers without weights only check it.
    /// </summary>
    public abstract void Build(ReadOnlySpan<int> inputShape);

    /// <summary>The output shape (without the batch axis, −1 where unknown) for inputs of <paramref name="inputShape"/>.</summary>
    public abstract int[] ComputeOutputShape(ReadOnlySpan<int> inputShape);

    /// <summary>
    /// Runs the layer with Keras' mask propagation: <paramref name="mask"/> [B, T] marks the real steps of the input
    /// (null: all real); <paramref name="outputMask"/> is what the next layer sees. By default the layer ignores the
    /// mask and passes it on when its output keeps the input's batch and time axes.
    /// </summary>
    public virtual Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        Tensor<T> output = Forward(input, training);
        outputMask = mask is not null && output.Rank >= 3 && output.Dim(0) == mask.GetLength(0) && output.Dim(1) == mask.GetLength(1) ? mask : null;
        return output;
    }

    /// <summary>The trainable weights in Keras order (empty before <see cref="IsBuilt"/>).</summary>
    public abstract IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Runs the layer on a batch.</summary>
    /// <remarks>
    /// With <paramref name="training"/> set, a layer may return a tensor it overwrites on its next training call of the
    /// same shape (a training step consumes each result before the next step), so that training allocates nothing in
    /// steady state. Inference calls return tensors the caller may keep.
    /// </remarks>
    public abstract Tensor<T> Forward(Tensor<T> input, bool training = false);

    /// <summary>Given dLoss/d(output of the last forward pass), returns dLoss/d(input) and accumulates weight gradients.</summary>
    /// <remarks>The returned tensor may be one the layer overwrites on its next backward pass.</remarks>
    public abstract Tensor<T> Backward(Tensor<T> outputGradient);

    /// <summary>
    /// <see cref="Backward"/> when nothing reads dLoss/d(input), as for the first layer of a model: accumulates the
    /// weight gradients only. Layers whose input gradient costs real work override it to skip that work.
    /// </summary>
    protected internal virtual void BackwardWithoutInputGradient(Tensor<T> outputGradient) => Backward(outputGradient);

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
        IReadOnlyList<Parameter<T>> parameters = Parameters;
        for (int i = 0; i < parameters.Count; i++) parameters[i].ZeroGradient();
    }

    /// <summary>Builds an unbuilt layer from the shapes of weights given to <see cref="SetWeights"/>.</summary>
    protected abstract void BuildFromWeights(IReadOnlyList<Tensor<T>> weights);
}
