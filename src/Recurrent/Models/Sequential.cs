using System.Numerics;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// Keras' <c>Sequential</c>: a stack of layers, each feeding the next, with Keras' mask propagation
/// (e.g. <c>Embedding(maskZero: true)</c> → LSTM skips padded steps). Once built it is the linear case of a
/// <see cref="Functional{T}"/> graph and runs through the same forward and backward code.
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential&lt;float&gt;([new SimpleRnn&lt;float&gt;(4), new Dense&lt;float&gt;(1)], inputShape: [3, 2], seed: 1);
/// model.Compile(new Adam(0.01), Loss.MeanSquaredError);
/// History history = model.Fit(x, y, epochs: 2000, verbose: 0);   // x [3, 3, 2], y [3, 1]
/// Tensor&lt;float&gt; prediction = model.Predict(x);                 // [3, 1]
/// </code>
/// </example>
public sealed class Sequential<T> : Functional<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly List<Layer<T>> _layers = [];

    /// <summary>Creates the model from <paramref name="layers"/>; with <paramref name="inputShape"/> (without the batch axis) it is built at once.</summary>
    public Sequential(IEnumerable<Layer<T>>? layers = null, int[]? inputShape = null, int? seed = null, string? name = null)
        : base(name, "sequential", seed)
    {
        foreach (Layer<T> layer in layers ?? []) Add(layer);
        if (inputShape is not null) Build(inputShape);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Layer<T>> Layers => _layers;

    private protected override bool SummaryShowsConnections => false;

    /// <summary>Appends a layer (before the model is built).</summary>
    public void Add(Layer<T> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (IsBuilt) throw new InvalidOperationException($"{Name}: cannot add layer '{layer.Name}' to a built model.");
        if (_layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"{Name}: a layer named '{layer.Name}' is already in the model.");
        _layers.Add(layer);
    }

    /// <summary>Creates all weights for inputs of <paramref name="inputShape"/> (without the batch axis): the graph input → layer 1 → ... → layer n.</summary>
    public override void Build(params int[] inputShape)
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"{Name}: add layers before building.");
        var input = new Input<T>(inputShape, $"{Name}_input");
        GraphTensor<T> x = input;
        foreach (Layer<T> layer in _layers) x = layer.Call(x);
        SetGraph([input], [x]);
    }

    /// <inheritdoc/>
    protected override Model<T> CreateReplica() =>
        ShareParametersWith(new Sequential<T>(_layers.Select(l => IO.LayerConfig.FromJson<T>(IO.LayerConfig.ToJson(l), Name)), InputShape, name: Name));
}
