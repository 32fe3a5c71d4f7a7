using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// Keras' functional model: the graph of layer applications between named <see cref="Input{T}"/>s and output
/// tensors, run forward in topological order and backward in reverse, adding up the gradients of a tensor read by
/// several layers. Several inputs and outputs, recurrent states passed as another layer's initial state, shared layers
/// (one layer object applied twice: the second application runs a twin whose weights are the same tensors, so the
/// optimizer updates them once with the summed gradient) and Keras' mask propagation along every edge.
/// <see cref="Sequential{T}"/> is the linear case of this graph and runs through the same code.
/// </summary>
/// <remarks>
/// Training (Fit, Evaluate, TrainOnBatch) puts the compiled loss on the first output; the other outputs get no
/// gradient and serve <see cref="Model{T}.PredictOutputs"/> (e.g. attention weights or encoder states to inspect).
/// </remarks>
/// <example>
/// <code>
/// var source = new Input&lt;float&gt;([-1], "source");
/// var target = new Input&lt;float&gt;([-1], "target");
/// var (_, states) = new Lstm&lt;float&gt;(16, returnState: true).Call(new Embedding&lt;float&gt;(50, 8, maskZero: true).Call(source));
/// var decoded = new Lstm&lt;float&gt;(16, returnSequences: true).Call(new Embedding&lt;float&gt;(60, 8, maskZero: true).Call(target), initialState: states);
/// var probabilities = new TimeDistributed&lt;float&gt;(new Dense&lt;float&gt;(60, "softmax")).Call(decoded);   // (None, None, 60)
/// var model = new Functional&lt;float&gt;([source, target], [probabilities], seed: 1);
/// model.Compile("adam", "sparse_categorical_crossentropy");
/// model.Fit([sourceIds, targetInputIds], targetOutputIds, epochs: 50);
/// </code>
/// </example>
public partial class Functional<T> : Model<T> where T : struct, IFloatingPointIeee754<T>
{
    private Input<T>[] _inputs = [];
    private GraphTensor<T>[] _outputs = [];
    private Layer<T>[] _layers = [];
    // The layer applications in topological order; per application the layer that runs it (the layer itself at its
    // first application, else a twin sharing its weights), its Keras node index, and the ids of the tensors it reads
    // and writes. Tensor ids: the inputs first, then every application's outputs in order.
    private GraphNode<T>[] _nodes = [];
    private Layer<T>[] _runners = [];
    private int[] _nodeIndex = [];
    private int[][] _reads = [], _writes = [];
    private int[] _outputIds = [];
    private int[] _consumers = [];
    // Per tensor, reused from one batch to the next: its value and mask, its gradient, and the buffer that adds up
    // the gradients of a tensor read more than once (the first output counts the loss as a reader).
    private Tensor<T>?[] _values = [];
    private bool[,]?[] _masks = [];
    private Tensor<T>?[] _gradients = [];
    private ShapeCache<Tensor<T>>[] _gradientSums = [];
    private Tensor<T>[] _results = [];
    // Per application of a multi-input layer, the argument buffers of its forward and backward calls (null otherwise).
    private MultiInputCall[] _multiCalls = [];
    // Per application of a recurrent layer, its initial states and the gradients of its returned states (null without).
    private Tensor<T>[]?[] _initialStates = [];
    private Tensor<T>?[]?[] _stateGradients = [];
    private IFusedOutput<T>? _fusableOutput;

    /// <summary>The model of the graph from <paramref name="inputs"/> to <paramref name="outputs"/>, built at once (seeded from <paramref name="seed"/>).</summary>
    /// <exception cref="ArgumentException">
    /// The graph does not fit: an output needs an input that is not listed, an input is not used, two layers share a
    /// name, or a shared layer is applied to inputs its weights do not fit (a <see cref="ShapeException"/> naming the layer and both shapes).
    /// </exception>
    public Functional(IReadOnlyList<Input<T>> inputs, IReadOnlyList<GraphTensor<T>> outputs, string? name = null, int? seed = null)
        : base(name, "functional", seed) => SetGraph(inputs, outputs);

    /// <summary>The model of one input and one output.</summary>
    public Functional(Input<T> input, GraphTensor<T> output, string? name = null, int? seed = null) : this([input], [output], name, seed) { }

    /// <summary>A model whose graph a subclass sets later with <see cref="SetGraph"/> (Sequential, once it knows its input shape).</summary>
    private protected Functional(string? name, string prefix, int? seed) : base(name, prefix, seed) { }

    /// <summary>The inputs, in the order the data is given.</summary>
    public IReadOnlyList<Input<T>> Inputs => _inputs;

    /// <summary>The outputs, in the order <see cref="Model{T}.PredictOutputs"/> returns them.</summary>
    public IReadOnlyList<GraphTensor<T>> Outputs => _outputs;

    /// <inheritdoc/>
    public override IReadOnlyList<Layer<T>> Layers => _layers;

    /// <inheritdoc/>
    public override IReadOnlyList<int[]> OutputShapes => _outputs.Select(o => (int[])o.ShapeArray.Clone()).ToArray();

    private protected override int OutputFeatures => _outputs[0].ShapeArray[^1];

    private protected override IEnumerable<Layer<T>> RunningLayers => _layers.Concat(_runners.Where((runner, n) => runner != _nodes[n].Layer));

    /// <summary>A functional model is built when it is made; this only checks that <paramref name="inputShape"/> fits its single input.</summary>
    /// <exception cref="ShapeException">The model has several inputs, or the shape differs.</exception>
    public override void Build(params int[] inputShape)
    {
        if (_inputs.Length != 1 || !inputShape.SequenceEqual(_inputs[0].ShapeArray))
            throw new ShapeException($"{Name}: a functional model is built from its inputs ({string.Join(", ", _inputs.Select(i => $"'{i.Name}' {i.ShapeText}"))}); Build got [{string.Join(", ", inputShape)}].");
    }

    /// <summary>
    /// Makes the graph from <paramref name="inputs"/> to <paramref name="outputs"/> the model's: orders the layer
    /// applications, checks the wiring, seeds and builds the layers and makes the twins of shared layers.
    /// </summary>
    private protected void SetGraph(IReadOnlyList<Input<T>> inputs, IReadOnlyList<GraphTensor<T>> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0) throw new ArgumentException($"{Name}: a model needs at least one input and one output.");
        if (inputs.Distinct().Count() != inputs.Count) throw new ArgumentException($"{Name}: an input is listed twice.");
        _inputs = [.. inputs];
        _outputs = [.. outputs];

        // Depth first from the outputs: an application comes after every application it reads from. The graph is
        // acyclic by construction (a layer can only read tensors that existed before it was applied).
        var ids = new Dictionary<GraphTensor<T>, int>();
        for (int i = 0; i < _inputs.Length; i++) ids[_inputs[i]] = i;
        var order = new List<GraphNode<T>>();
        var visited = new HashSet<GraphNode<T>>();
        var usedInputs = new HashSet<GraphTensor<T>>();
        void Visit(GraphTensor<T> tensor, string reader)
        {
            if (tensor.Producer is not GraphNode<T> node)
            {
                if (!ids.ContainsKey(tensor))
                    throw new ArgumentException($"{Name}: {reader} reads input '{((Input<T>)tensor).Name}' {tensor.ShapeText}, which is not one of the model's inputs ({string.Join(", ", _inputs.Select(i => $"'{i.Name}'"))}); the tensor belongs to another graph.");
                usedInputs.Add(tensor);
                return;
            }
            if (!visited.Add(node)) return;
            foreach (GraphTensor<T> input in node.Inputs) Visit(input, $"layer '{node.Layer.Name}'");
            order.Add(node);
        }
        for (int k = 0; k < _outputs.Length; k++) Visit(_outputs[k] ?? throw new ArgumentNullException(nameof(outputs)), $"output {k}");
        foreach (Input<T> input in _inputs)
            if (!usedInputs.Contains(input)) throw new ArgumentException($"{Name}: input '{input.Name}' {input.ShapeText} is not used by any output.");

        _nodes = [.. order];
        _layers = _nodes.Select(n => n.Layer).Distinct().ToArray();
        foreach (var clash in _layers.Select(l => l.Name).Concat(_inputs.Select(i => i.Name)).GroupBy(n => n).Where(g => g.Count() > 1))
            throw new ArgumentException($"{Name}: two layers or inputs are named '{clash.Key}'; names must be unique in a model.");
        foreach (GraphNode<T> node in _nodes)
            foreach (GraphTensor<T> output in node.Outputs) ids[output] = ids.Count;
        _reads = _nodes.Select(n => n.Inputs.Select(t => ids[t]).ToArray()).ToArray();
        _writes = _nodes.Select(n => n.Outputs.Select(t => ids[t]).ToArray()).ToArray();
        _outputIds = _outputs.Select(t => ids[t]).ToArray();
        _consumers = new int[ids.Count];
        foreach (int[] reads in _reads) foreach (int id in reads) _consumers[id]++;
        _consumers[_outputIds[0]]++;
        _nodeIndex = _nodes.Select((node, n) => _nodes.Take(n).Count(earlier => earlier.Layer == node.Layer)).ToArray();

        SeedLayers();
        _runners = new Layer<T>[_nodes.Length];
        for (int n = 0; n < _nodes.Length; n++)
        {
            Layer<T> layer = _nodes[n].Layer;
            if (_nodeIndex[n] == 0)
            {
                Build(layer, _nodes[n]);
                _runners[n] = layer;
                continue;
            }
            _runners[n] = Twin(layer, _nodeIndex[n], _nodes[n]);
        }
        _multiCalls = _nodes.Select(node => node.Kind == GraphNodeKind.Multi ? new MultiInputCall(node.Inputs.Length, node.Outputs.Length) : null!).ToArray();
        // Made once, so a batch through a recurrent layer with initial states allocates no arrays for them.
        _initialStates = _reads.Select(reads => reads.Length > 1 ? new Tensor<T>[reads.Length - 1] : null).ToArray();
        _stateGradients = _writes.Select(writes => writes.Length > 1 ? new Tensor<T>?[writes.Length - 1] : null).ToArray();
        LinkTwins();
        InputShapes = _inputs.Select(i => (int[])i.ShapeArray.Clone()).ToArray();
        _values = new Tensor<T>?[ids.Count];
        _masks = new bool[,]?[ids.Count];
        _gradients = new Tensor<T>?[ids.Count];
        _gradientSums = Enumerable.Range(0, ids.Count).Select(_ => new ShapeCache<Tensor<T>>()).ToArray();
        _results = new Tensor<T>[_outputs.Length];
        int producer = Array.FindIndex(_writes, writes => writes[0] == _outputIds[0]);
        _fusableOutput = producer >= 0 && _nodes[producer].Kind == GraphNodeKind.Single && _consumers[_outputIds[0]] == 1 ? _runners[producer] as IFusedOutput<T> : null;
    }

    // A new layer of the same configuration for a later application of a shared layer: its own caches and workspaces,
    // its own dropout generator (seeded apart from the original's), and, once linked, the original's weight tensors.
    private Layer<T> Twin(Layer<T> layer, int nodeIndex, GraphNode<T> node)
    {
        Layer<T> twin;
        try { twin = LayerConfig.FromJson<T>(LayerConfig.ToJson(layer), Name); }
        catch (NotSupportedException e) { throw new NotSupportedException($"{Name}: layer '{layer.Name}' is applied {nodeIndex + 1} times, but cannot be shared: {e.Message}", e); }
        if (layer.Seed is int seed) twin.Seed = unchecked(seed * 31 + nodeIndex);
        Build(twin, node);
        int[] shape = node.Inputs[0].ShapeArray;
        IReadOnlyList<Parameter<T>> mine = layer.Parameters, theirs = twin.Parameters;
        for (int i = 0; i < mine.Count; i++)
            if (!mine[i].Value.HasShape(theirs[i].Value.Shape))
            {
                int first = Array.FindIndex(_nodes, node => node.Layer == layer);
                throw new ShapeException($"{Name}: shared layer '{layer.Name}' is applied to {_nodes[first].Inputs[0].ShapeText} and then to {GraphShape(shape)}; its weight '{mine[i].Name}' {mine[i].Value.ShapeText} does not fit the second ({theirs[i].Value.ShapeText}).");
            }
        return twin;
    }

    // Builds a layer for the tensors one application reads.
    private static void Build(Layer<T> layer, GraphNode<T> node)
    {
        if (node.Kind == GraphNodeKind.Multi) ((IMultiInputLayer<T>)layer).Build(node.Inputs.Select(i => i.ShapeArray).ToArray());
        else if (!layer.IsBuilt) layer.Build(node.Inputs[0].ShapeArray);
    }

    private static string GraphShape(int[] shape) => new GraphTensor<T>(shape, null, 0).ShapeText;

    // Points every twin's weights at its original's tensors (again after a replica's originals were shared).
    private void LinkTwins()
    {
        for (int n = 0; n < _nodes.Length; n++)
        {
            if (_runners[n] == _nodes[n].Layer) continue;
            IReadOnlyList<Parameter<T>> mine = _nodes[n].Layer.Parameters, theirs = _runners[n].Parameters;
            for (int i = 0; i < mine.Count; i++) theirs[i].ShareWith(mine[i]);
        }
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<Tensor<T>> ForwardBatch(IReadOnlyList<Tensor<T>> inputs, bool training, out bool[,]? mask)
    {
        for (int i = 0; i < _inputs.Length; i++) (_values[i], _masks[i]) = (inputs[i], null);
        for (int n = 0; n < _nodes.Length; n++)
        {
            int[] reads = _reads[n], writes = _writes[n];
            Tensor<T> input = _values[reads[0]]!;
            bool[,]? inputMask = _masks[reads[0]];
            if (_nodes[n].Kind == GraphNodeKind.Multi)
            {
                MultiInputCall call = _multiCalls[n];
                for (int k = 0; k < reads.Length; k++) (call.Inputs[k], call.Masks[k]) = (_values[reads[k]]!, _masks[reads[k]]);
                bool[,]? outputMask = ((IMultiInputLayer<T>)_runners[n]).ForwardInputs(call.Inputs, call.Masks, training, call.Outputs);
                for (int k = 0; k < writes.Length; k++) (_values[writes[k]], _masks[writes[k]]) = (call.Outputs[k], k == 0 ? outputMask : null);
                continue;
            }
            if (_nodes[n].Kind == GraphNodeKind.Single)
            {
                _values[writes[0]] = _runners[n].Forward(input, inputMask, training, out _masks[writes[0]]);
                continue;
            }
            var recurrent = (RecurrentLayer<T>)_runners[n];
            Tensor<T>[]? initialState = _initialStates[n];
            for (int k = 1; k < reads.Length; k++) initialState![k - 1] = _values[reads[k]]!;
            RecurrentOutput<T> result = training ? recurrent.ForwardTraining(input, initialState, inputMask)
                : recurrent.ForwardSequence(input, initialState, inputMask);
            (_values[writes[0]], _masks[writes[0]]) = (result.Output, recurrent.ReturnSequences ? inputMask : null);
            for (int k = 1; k < writes.Length; k++) (_values[writes[k]], _masks[writes[k]]) = (result.States[k - 1], null);
        }
        for (int k = 0; k < _results.Length; k++) _results[k] = _values[_outputIds[k]]!;
        mask = _masks[_outputIds[0]];
        return _results;
    }

    /// <inheritdoc/>
    protected override void BackwardBatch(Tensor<T> gradient, bool intoPreActivation)
    {
        Array.Clear(_gradients);
        if (!intoPreActivation) Accumulate(_outputIds[0], gradient);
        for (int n = _nodes.Length - 1; n >= 0; n--)
        {
            int[] reads = _reads[n], writes = _writes[n];
            Layer<T> layer = _runners[n];
            if (intoPreActivation && writes[0] == _outputIds[0])
                Accumulate(reads[0], ((IFusedOutput<T>)layer).BackwardFromPreActivation(gradient));
            else if (_nodes[n].Kind == GraphNodeKind.Multi)
            {
                if (!HasGradient(writes)) continue;
                MultiInputCall call = _multiCalls[n];
                for (int k = 0; k < writes.Length; k++) call.OutputGradients[k] = _gradients[writes[k]];
                ((IMultiInputLayer<T>)layer).BackwardInputs(call.OutputGradients, call.InputGradients);
                for (int k = 0; k < reads.Length; k++)
                    if (call.InputGradients[k] is Tensor<T> inputGradient) Accumulate(reads[k], inputGradient);
            }
            else if (_nodes[n].Kind == GraphNodeKind.Single)
            {
                if (_gradients[writes[0]] is not Tensor<T> outputGradient) continue;
                // Nothing reads the gradient of a model input.
                if (reads[0] < _inputs.Length) layer.BackwardWithoutInputGradient(outputGradient);
                else Accumulate(reads[0], layer.Backward(outputGradient));
            }
            else if (HasGradient(writes))
            {
                Tensor<T>?[]? stateGradients = _stateGradients[n];
                for (int k = 1; k < writes.Length; k++) stateGradients![k - 1] = _gradients[writes[k]];
                RecurrentGradients<T> result = ((RecurrentLayer<T>)layer).BackwardSequence(_gradients[writes[0]], stateGradients);
                Accumulate(reads[0], result.Input);
                for (int k = 1; k < reads.Length; k++) Accumulate(reads[k], result.InitialStates[k - 1]);
            }
        }
    }

    // Whether any of the tensors has a gradient (a loop, not Array.Exists: its lambda would be allocated per call).
    private bool HasGradient(int[] ids)
    {
        foreach (int id in ids) if (_gradients[id] is not null) return true;
        return false;
    }

    // Adds dLoss/d(tensor) from one reader. A tensor with one reader keeps the reader's tensor as it is; one with
    // several sums them in its own buffer, since a layer may overwrite the gradient it returned on its next backward.
    private void Accumulate(int id, Tensor<T> gradient)
    {
        if (id < _inputs.Length) return;
        if (_gradients[id] is not Tensor<T> sum)
        {
            if (_consumers[id] == 1)
            {
                _gradients[id] = gradient;
                return;
            }
            _gradients[id] = sum = _gradientSums[id].Get(gradient.Shape);
            gradient.Span.CopyTo(sum.Span);
            return;
        }
        TensorPrimitives.Add(sum.Span, gradient.Span, sum.Span);
    }

    /// <inheritdoc/>
    /// <remarks>Only when the loss is the only reader of the first output, so its gradient may skip the activation.</remarks>
    protected override IFusedOutput<T>? FusableOutput => _fusableOutput;

    /// <inheritdoc/>
    protected override Model<T> CreateReplica()
    {
        Functional<T> replica = FromConfig(GetConfig(), Name);
        ShareParametersWith(replica);
        replica.LinkTwins();
        return replica;
    }

    // The argument arrays of one multi-input application, made once with the graph.
    private sealed class MultiInputCall(int inputs, int outputs)
    {
        public Tensor<T>[] Inputs { get; } = new Tensor<T>[inputs];
        public bool[,]?[] Masks { get; } = new bool[,]?[inputs];
        public Tensor<T>[] Outputs { get; } = new Tensor<T>[outputs];
        public Tensor<T>?[] OutputGradients { get; } = new Tensor<T>?[outputs];
        public Tensor<T>?[] InputGradients { get; } = new Tensor<T>?[inputs];
    }
}
