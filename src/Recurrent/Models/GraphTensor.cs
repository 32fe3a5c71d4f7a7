using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// A symbolic tensor of a functional graph (Keras' <c>KerasTensor</c>): no values, only the shape of one sample and
/// the layer application that produces it. Made by <see cref="Input{T}"/> and by applying layers with
/// <see cref="LayerCalls"/>; a <see cref="Functional{T}"/> model runs the graph between its inputs and outputs.
/// </summary>
public class GraphTensor<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;

    internal GraphTensor(int[] shape, GraphNode<T>? producer, int outputIndex)
    {
        _shape = shape;
        Producer = producer;
        OutputIndex = outputIndex;
    }

    /// <summary>The shape of one sample, without the batch axis (−1 where any size is accepted).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Keras' way of writing the shape with its batch axis, e.g. <c>(None, None, 8)</c>.</summary>
    public string ShapeText => "(None" + string.Concat(_shape.Select(d => ", " + (d < 0 ? "None" : d.ToString(CultureInfo.InvariantCulture)))) + ")";

    /// <summary>The layer application that produces this tensor (null for an <see cref="Input{T}"/>).</summary>
    internal GraphNode<T>? Producer { get; }

    /// <summary>Which of the producer's outputs this is (0: the output, then the states of a recurrent layer).</summary>
    internal int OutputIndex { get; }

    internal int[] ShapeArray => _shape;
}

/// <summary>
/// A named input of a functional model (Keras' <c>keras.Input</c>): the shape of one sample without the batch axis,
/// −1 where any size is accepted (e.g. <c>[-1]</c> for padded token ids of any length).
/// </summary>
/// <example>
/// <code>
/// var source = new Input&lt;float&gt;([-1], name: "source");            // token ids [batch, time]
/// GraphTensor&lt;float&gt; embedded = new Embedding&lt;float&gt;(100, 8, maskZero: true).Call(source);   // (None, None, 8)
/// </code>
/// </example>
public sealed class Input<T> : GraphTensor<T> where T : struct, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<string, int> NameCounter = new();

    /// <summary>Creates the input; without <paramref name="name"/> it is called <c>input_layer</c>, <c>input_layer_1</c>, ...</summary>
    /// <exception cref="ArgumentException">A dimension is 0 or below −1.</exception>
    public Input(int[] shape, string? name = null) : base(CheckedShape(shape, name), null, 0)
    {
        int index = name is null ? NameCounter.AddOrUpdate("input_layer", 0, (_, n) => n + 1) : 0;
        Name = name ?? (index == 0 ? "input_layer" : $"input_layer_{index}");
    }

    /// <summary>The input's name, used in summaries, model files and messages.</summary>
    public string Name { get; }

    private static int[] CheckedShape(int[] shape, string? name)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d == 0 || d < -1))
            throw new ArgumentException($"Input '{name}': every dimension must be positive or −1 (any size), got [{string.Join(", ", shape)}].", nameof(shape));
        return (int[])shape.Clone();
    }
}

/// <summary>How a functional model runs a layer application.</summary>
internal enum GraphNodeKind
{
    /// <summary>One input, one output: <see cref="Layer{T}.Forward(Tensor{T}, bool[,], bool, out bool[,])"/>.</summary>
    Single,

    /// <summary>A recurrent layer: the input and initial states in, the output and final states out (<see cref="ISequenceLayer{T}"/>).</summary>
    Sequence,

    /// <summary>Several inputs, possibly several outputs (<see cref="IMultiInputLayer{T}"/>).</summary>
    Multi,
}

/// <summary>
/// One application of a layer in a functional graph: the layer, the tensors it reads (the input, then the initial
/// states of a recurrent layer; or every input of a multi-input layer) and the tensors it produces (the output, then
/// the final states when a recurrent layer returns them, or the attention weights).
/// </summary>
internal sealed class GraphNode<T>(Layer<T> layer, GraphTensor<T>[] inputs, GraphNodeKind kind) where T : struct, IFloatingPointIeee754<T>
{
    public Layer<T> Layer { get; } = layer;

    public GraphTensor<T>[] Inputs { get; } = inputs;

    public GraphTensor<T>[] Outputs { get; set; } = [];

    public GraphNodeKind Kind { get; } = kind;
}

/// <summary>What applying an attention layer to graph tensors gives: the context and the attention weights.</summary>
/// <param name="Output">The context, (None, query steps, value features); its mask is the query's.</param>
/// <param name="Weights">The attention weights, (None, query steps, value steps), for inspection (e.g. a second model output).</param>
public sealed record AttentionCall<T>(GraphTensor<T> Output, GraphTensor<T> Weights) where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The context, for passing the call to the next layer.</summary>
    public static implicit operator GraphTensor<T>(AttentionCall<T> call) => call.Output;
}

/// <summary>What applying a recurrent layer to a graph tensor gives: its output and, with return_state, its final states.</summary>
/// <remarks>Converts implicitly to its output, so it can be passed straight to the next layer.</remarks>
public sealed class RecurrentCall<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly GraphTensor<T>[] _states;
    private readonly string _layer;

    internal RecurrentCall(string layer, GraphTensor<T> output, GraphTensor<T>[] states, bool returnsStates)
    {
        (_layer, Output, _states, ReturnsStates) = (layer, output, states, returnsStates);
    }

    /// <summary>The output: [batch, time, units] with return_sequences, else [batch, units].</summary>
    public GraphTensor<T> Output { get; }

    /// <summary>Whether the layer returns its states (Keras' <c>return_state</c>).</summary>
    public bool ReturnsStates { get; }

    /// <summary>The final states, [batch, units] each (h, or h and c for LSTM).</summary>
    /// <exception cref="InvalidOperationException">The layer was made without return_state.</exception>
    public IReadOnlyList<GraphTensor<T>> States => ReturnsStates ? _states
        : throw new InvalidOperationException($"{_layer}: the layer returns no states; create it with returnState: true.");

    /// <summary>The output, for passing the call to the next layer.</summary>
    public static implicit operator GraphTensor<T>(RecurrentCall<T> call) => call.Output;

    /// <summary>Splits into output and states: <c>var (output, states) = lstm.Call(x);</c>.</summary>
    public void Deconstruct(out GraphTensor<T> output, out IReadOnlyList<GraphTensor<T>> states) => (output, states) = (Output, States);
}

/// <summary>
/// Applying layers to graph tensors, as calling a Keras layer on a <c>KerasTensor</c>. Applying the same layer object
/// twice shares it: both applications use the same weights, and training adds up their gradients.
/// </summary>
public static class LayerCalls
{
    /// <summary>Applies <paramref name="layer"/> to <paramref name="input"/> and returns its output.</summary>
    /// <example>
    /// <code>
    /// GraphTensor&lt;float&gt; hidden = new Dense&lt;float&gt;(4, "tanh").Call(input);   // (None, 4)
    /// </code>
    /// </example>
    public static GraphTensor<T> Call<T>(this Layer<T> layer, GraphTensor<T> input) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        var node = new GraphNode<T>(layer, [input], GraphNodeKind.Single);
        node.Outputs = [new GraphTensor<T>(layer.ComputeOutputShape(input.ShapeArray), node, 0)];
        return node.Outputs[0];
    }

    /// <summary>
    /// Applies a recurrent layer to <paramref name="input"/> [batch, time, features], starting from
    /// <paramref name="initialState"/> ([batch, units] each: h, or h and c for LSTM; zeros when null), and returns its
    /// output and, when the layer has return_state, its final states.
    /// </summary>
    /// <exception cref="ShapeException">The input is not a sequence, or a state has the wrong count or shape; the message names the layer and both shapes.</exception>
    /// <example>
    /// <code>
    /// var (_, states) = new Lstm&lt;float&gt;(16, returnState: true).Call(sourceEmbedded);
    /// GraphTensor&lt;float&gt; decoded = new Lstm&lt;float&gt;(16, returnSequences: true).Call(targetEmbedded, initialState: states);
    /// </code>
    /// </example>
    public static RecurrentCall<T> Call<T>(this RecurrentLayer<T> layer, GraphTensor<T> input, IReadOnlyList<GraphTensor<T>>? initialState = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Shape.Count != 2)
            throw new ShapeException($"{layer.Name}: expected a sequence input (None, time, features), got {input.ShapeText}.");
        int stateCount = layer.StateCount;
        if (initialState is not null)
        {
            if (initialState.Count != stateCount)
                throw new ShapeException($"{layer.Name}: expected {stateCount} initial state tensor(s), got {initialState.Count}.");
            for (int k = 0; k < stateCount; k++)
                if (initialState[k].Shape.Count != 1 || initialState[k].Shape[0] != layer.Units)
                    throw new ShapeException($"{layer.Name}: initial_state[{k}] expected shape (None, {layer.Units}), got {initialState[k].ShapeText}.");
        }
        if (initialState is null && !layer.ReturnState) return new RecurrentCall<T>(layer.Name, Call((Layer<T>)layer, input), [], false);

        var node = new GraphNode<T>(layer, [input, .. initialState ?? []], GraphNodeKind.Sequence);
        var outputs = new List<GraphTensor<T>> { new(layer.ComputeOutputShape(input.ShapeArray), node, 0) };
        if (layer.ReturnState)
            for (int k = 0; k < stateCount; k++) outputs.Add(new GraphTensor<T>([layer.Units], node, k + 1));
        node.Outputs = [.. outputs];
        return new RecurrentCall<T>(layer.Name, outputs[0], node.Outputs[1..], layer.ReturnState);
    }

    /// <summary>
    /// Attends <paramref name="query"/> (None, Tq, dq) to <paramref name="value"/> (None, Tv, dv), scored against
    /// <paramref name="key"/> (None, Tv, dk) when given, under the masks the tensors carry (padded value steps get
    /// weight 0, padded query steps a zero context), as Keras' <c>attention([query, value])</c>.
    /// </summary>
    /// <exception cref="ShapeException">A shape does not fit; the message names the layer and the shapes.</exception>
    /// <example>
    /// <code>
    /// var (context, weights) = new LuongAttention&lt;float&gt;("general").Call(decoded, encoded);   // (None, None, 64), (None, None, None)
    /// </code>
    /// </example>
    public static AttentionCall<T> Call<T>(this AttentionLayer<T> layer, GraphTensor<T> query, GraphTensor<T> value, GraphTensor<T>? key = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        GraphTensor<T>[] outputs = CallMany(layer, key is null ? [query, value] : [query, value, key]);
        return new AttentionCall<T>(outputs[0], outputs[1]);
    }

    /// <summary>Joins <paramref name="parts"/> along their last axis (Keras' <c>Concatenate()([a, b])</c>).</summary>
    /// <exception cref="ShapeException">The parts differ on an axis other than the last.</exception>
    public static GraphTensor<T> Call<T>(this Concatenate<T> layer, IReadOnlyList<GraphTensor<T>> parts) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parts);
        return CallMany(layer, [.. parts])[0];
    }

    // One application of a multi-input layer: its outputs, shaped by the layer (which checks the inputs' shapes).
    internal static GraphTensor<T>[] CallMany<T>(Layer<T> layer, GraphTensor<T>[] inputs) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is not IMultiInputLayer<T> multi)
            throw new ArgumentException($"{layer.Name}: a {layer.TypeName} layer reads one tensor.", nameof(layer));
        foreach (GraphTensor<T> input in inputs) ArgumentNullException.ThrowIfNull(input);
        int[][] shapes = multi.ComputeOutputShapes(inputs.Select(i => i.ShapeArray).ToArray());
        var node = new GraphNode<T>(layer, inputs, GraphNodeKind.Multi);
        node.Outputs = shapes.Select((shape, k) => new GraphTensor<T>(shape, node, k)).ToArray();
        return node.Outputs;
    }
}
