using System.Globalization;
using Google.Protobuf;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Interop.Onnx.Proto;
using DataType = Recurrent.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// Reads a graph by abstract interpretation: every value is a constant, a piece of shape plumbing, a zero initial
/// state, or the data flowing through the network with a label per axis (batch, time, directions, features).
/// Nodes that move axes relabel the data; nodes that compute (Embedding, recurrent operators, Dense, activations)
/// append a layer, and must read the output of the layer appended last, so the graph is a chain.
/// </summary>
internal sealed partial class OnnxGraphReader(GraphProto graph, string source)
{
    private enum AxisKind { Batch, Time, Directions, Features }

    // A Directions axis lists, per index, which recurrent layer (index into _layers) and direction it holds:
    // torch concatenates the final states of all its layers along this axis.
    private sealed record Axis(AxisKind Kind, int Size = -1, (int Layer, int Direction)[]? Entries = null)
    {
        public override string ToString() => Kind switch
        {
            AxisKind.Features => Size.ToString(CultureInfo.InvariantCulture),
            AxisKind.Directions => "directions",
            _ => Kind.ToString().ToLowerInvariant(),
        };
    }

    // Which directions of recurrent layer Layer the data holds once its directions axis is gone, and how they merge.
    private sealed record Origin(int Layer, int[] Directions, MergeMode Merge);

    private abstract record Value;

    private sealed record Constant(OnnxTensorData Tensor) : Value;

    // Computed from a data tensor's shape (batch size, step count): only good for building zero initial states.
    private sealed record ShapePlumbing : Value;

    private sealed record ZeroState : Value;

    // Sigmoid(x) that a Mul multiplies with x: swish.
    private sealed record SwishGate(string Input) : Value;

    // Chain: how many layers precede this value (−1: mixes several layers' states). TimeReversed: the time axis
    // runs opposite to what our go_backwards layer returns (ONNX's reverse direction writes Y in input order).
    private sealed record Data(Axis[] Axes, int Chain, Origin? From = null, bool TimeReversed = false) : Value
    {
        public int Find(AxisKind kind) => Array.FindIndex(Axes, a => a.Kind == kind);

        public string Shape => "[" + string.Join(", ", Axes.Select(a => a.ToString())) + "]";
    }

    private readonly Dictionary<string, Value> _values = [];
    private readonly Dictionary<string, TensorProto> _initializers = [];
    private readonly List<ImportedLayer> _layers = [];
    private bool _ids;
    private NodeProto _node = new();

    public Sequential<float> Read()
    {
        foreach (TensorProto initializer in graph.Initializer) _initializers[initializer.Name] = initializer;
        ValueInfoProto[] inputs = graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToArray();
        if (inputs.Length != 1)
            throw new NotSupportedException($"{source}: the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); import reads graphs with one.");
        if (graph.Output.Count != 1)
            throw new NotSupportedException($"{source}: the graph has {graph.Output.Count} outputs ({string.Join(", ", graph.Output.Select(o => o.Name))}); import reads graphs with one (states are not imported).");
        _values[inputs[0].Name] = InputData(inputs[0]);

        HashSet<string> live = LiveValues();
        foreach (NodeProto node in graph.Node)
        {
            if (!node.Output.Any(live.Contains)) continue;
            _node = node;
            Visit(node, live);
        }

        string output = graph.Output[0].Name;
        if (!_values.ContainsKey(output)) throw new InvalidModelFileException($"{source}: no node computes the graph output '{output}'.");
        Data result = Get(output) as Data ?? throw new NotSupportedException($"{source}: the graph output '{output}' is not computed from the input.");
        Commit(result);
        if (result.Axes.Length is < 2 or > 3 || result.Axes[0].Kind != AxisKind.Batch || (result.Axes.Length == 3 && result.Axes[1].Kind != AxisKind.Time))
            throw new NotSupportedException($"{source}: the graph output '{output}' has axes {result.Shape}; import needs [batch, time, features] or [batch, features].");
        return Build();
    }

    private Sequential<float> Build()
    {
        if (_layers.Count == 0) throw new NotSupportedException($"{source}: the graph computes nothing import recognises as a layer.");
        int[] inputShape = _ids ? [-1] : [-1, _layers[0].InputSize ?? throw new NotSupportedException($"{source}: the input's feature size is not declared and the first layer does not fix it.")];
        try
        {
            var model = new Sequential<float>(_layers.Select(l => l.Create()), inputShape, name: graph.Name is { Length: > 0 } name ? name : null);
            for (int i = 0; i < _layers.Count; i++)
                if (_layers[i].Weights.Count > 0) model.Layers[i].SetWeights(_layers[i].Weights);
            return model;
        }
        catch (Exception e) when (e is Tensors.ShapeException or ArgumentException)
        {
            // Every size is checked while reading; this is the last line against a damaged file that still parses.
            throw new InvalidModelFileException($"{source}: the layers read from the graph do not fit together ({e.Message}).", e);
        }
    }

    private Data InputData(ValueInfoProto input)
    {
        TypeProto.Types.Tensor tensor = input.Type?.TensorType ?? throw new NotSupportedException($"{source}: graph input '{input.Name}' is not a tensor.");
        var dims = tensor.Shape?.Dim.ToArray() ?? [];
        switch ((DataType)tensor.ElemType)
        {
            case DataType.Float when dims.Length == 3:
                long declared = dims[2].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dims[2].DimValue : -1;
                if (declared is 0 or < -1 or > int.MaxValue) throw new InvalidModelFileException($"{source}: graph input '{input.Name}' declares {declared} features.");
                int features = (int)declared;
                return new Data([new(AxisKind.Batch), new(AxisKind.Time), new(AxisKind.Features, features)], 0);
            case DataType.Int64 or DataType.Int32 when dims.Length == 2:
                _ids = true;
                return new Data([new(AxisKind.Batch), new(AxisKind.Time)], 0);
            default:
                throw new NotSupportedException($"{source}: graph input '{input.Name}' is {(DataType)tensor.ElemType} of rank {dims.Length}; import needs float [batch, time, features] or integer ids [batch, time].");
        }
    }

    // Values the graph output depends on; nodes computing nothing else (e.g. the final states torch leaves unused) are skipped.
    private HashSet<string> LiveValues()
    {
        var live = new HashSet<string>(graph.Output.Select(o => o.Name));
        for (int i = graph.Node.Count - 1; i >= 0; i--)
            if (graph.Node[i].Output.Any(live.Contains))
                foreach (string input in graph.Node[i].Input.Where(n => n.Length > 0)) live.Add(input);
        return live;
    }

    private NotSupportedException Refuse(string why) =>
        new($"{source}: node '{(_node.Name.Length > 0 ? _node.Name : _node.Output.FirstOrDefault())}' ({_node.OpType}): {why}.");

    private Value Get(string name)
    {
        if (_values.TryGetValue(name, out Value? value)) return value;
        if (_initializers.TryGetValue(name, out TensorProto? tensor))
            return _values[name] = new Constant(OnnxTensorData.Read(tensor, $"{source}: initializer '{name}'"));
        throw new InvalidModelFileException($"{source}: node '{_node.Name}' ({_node.OpType}) reads '{name}', which no node, initializer or input produces.");
    }

    private Value Input(int index) => index < _node.Input.Count && _node.Input[index].Length > 0 ? Get(_node.Input[index])
        : throw Refuse($"input {index} is missing");

    private bool HasInput(int index) => index < _node.Input.Count && _node.Input[index].Length > 0;

    private Data DataInput(int index) => Input(index) as Data ?? throw Refuse($"input '{_node.Input[index]}' must be the data flowing through the network");

    private OnnxTensorData ConstantInput(int index) => Input(index) is Constant constant ? constant.Tensor
        : throw Refuse($"input '{_node.Input[index]}' must be a constant (an initializer or a Constant node)");

    private long[] Int64s(int index) => ConstantInput(index).Int64s ?? throw Refuse($"input '{_node.Input[index]}' must hold integers");

    private float[] Floats(int index) => ConstantInput(index).Floats ?? throw Refuse($"input '{_node.Input[index]}' must hold floats");

    private AttributeProto? Attribute(string name) => _node.Attribute.FirstOrDefault(a => a.Name == name);

    private long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    private float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    private void Set(int output, Value value)
    {
        if (output < _node.Output.Count && _node.Output[output].Length > 0) _values[_node.Output[output]] = value;
    }

    private void Visit(NodeProto node, HashSet<string> live)
    {
        if (node.Domain is not ("" or "ai.onnx")) throw Refuse($"operator domain '{node.Domain}' is not read");
        switch (node.OpType)
        {
            case "Constant":
                Set(0, new Constant(ConstantValue()));
                return;
            case "Identity":
                Set(0, Input(0));
                return;
            case "Dropout":
                if (node.Output.Count > 1 && live.Contains(node.Output[1])) throw Refuse("its mask output is used");
                Set(0, Input(0));
                return;
            case "LSTM" or "GRU" or "RNN":
                Recurrent(live);
                return;
        }
        Value first = Input(0);
        if (first is ZeroState or ShapePlumbing || (first is Constant && node.OpType is not ("Gather" or "Add")))
        {
            Set(0, Plumbing(first));
            return;
        }
        switch (node.OpType)
        {
            case "Shape": Set(0, new ShapePlumbing()); break;
            case "Gather": Set(0, first is Constant ? Embedding() : Gather(DataInput(0))); break;
            case "Transpose": Set(0, Transpose(DataInput(0))); break;
            case "Squeeze": Set(0, Squeeze(DataInput(0))); break;
            case "Reshape": Set(0, Reshape(DataInput(0))); break;
            case "ReduceSum" or "ReduceMean" or "ReduceProd": Set(0, Reduce(DataInput(0))); break;
            case "Concat": Set(0, Concat()); break;
            case "Slice": Set(0, Slice(DataInput(0))); break;
            case "Gemm": Set(0, Gemm(DataInput(0))); break;
            case "MatMul": Set(0, MatMul(DataInput(0))); break;
            case "Add": Set(0, AddBias()); break;
            case "Sigmoid" when SwishConsumer(live):
                Set(0, new SwishGate(node.Input[0]));
                break;
            case "Mul": Set(0, Swish()); break;
            default: Set(0, Activation(DataInput(0))); break;
        }
    }

    private OnnxTensorData ConstantValue()
    {
        AttributeProto value = _node.Attribute.FirstOrDefault() ?? throw Refuse("it has no value");
        return value.Name switch
        {
            "value" when value.T is not null => OnnxTensorData.Read(value.T, $"{source}: node '{_node.Name}' value"),
            "value_int" => new([], null, [value.I]),
            "value_ints" => new([value.Ints.Count], null, [.. value.Ints]),
            "value_float" => new([], [value.F], null),
            "value_floats" => new([value.Floats.Count], [.. value.Floats], null),
            _ => throw Refuse($"a Constant of attribute '{value.Name}' is not read"),
        };
    }

    // Shape arithmetic and the zero initial states torch builds from it (ConstantOfShape, Expand of zeros, Slice per layer).
    private Value Plumbing(Value first)
    {
        switch (_node.OpType)
        {
            case "ConstantOfShape":
                if (Attribute("value")?.T is { } fill && OnnxTensorData.Read(fill, $"{source}: node '{_node.Name}' value") is { } tensor
                    && (tensor.Floats ?? []).Concat((tensor.Int64s ?? []).Select(v => (float)v)).Any(v => v != 0))
                    throw Refuse("initial states other than zeros are not imported");
                return new ZeroState();
            case "Expand" when first is ZeroState || (first is Constant { Tensor.Floats: { } zeros } && zeros.All(v => v == 0)):
                return new ZeroState();
            case "Slice" or "Squeeze" or "Unsqueeze" or "Cast" or "Identity" when first is ZeroState:
                return new ZeroState();
            case "Gather" or "Unsqueeze" or "Concat" or "Cast" or "Slice" or "Squeeze" when first is ShapePlumbing || (first is Constant && _node.Input.Skip(1).All(i => i.Length == 0 || Get(i) is Constant or ShapePlumbing)):
                return new ShapePlumbing();
            default:
                throw Refuse($"import reads {_node.OpType} here only as part of building zero initial states");
        }
    }

    // Appending a layer: the data must be the output of the layer appended last, with its directions merged;
    // a recurrent layer's output being read fixes whether it returns sequences and how its directions merge.
    private void Commit(Data data)
    {
        if (data.Find(AxisKind.Directions) >= 0) throw Refuse($"it reads {data.Shape}, a recurrent output whose directions are not merged");
        if (data.Axes[^1].Kind != AxisKind.Features)
            throw Refuse("it reads the integer ids of the graph input; only an Embedding (Gather on a float initializer) reads them");
        if (data.From is { } from)
        {
            var layer = (ImportedRecurrent)_layers[from.Layer];
            if (from.Directions.Length != layer.Directions)
                throw Refuse($"it reads only the {(from.Directions[0] == 0 ? "forward" : "backward")} direction of bidirectional node '{layer.Node}'; a Bidirectional layer outputs both");
            if (data.TimeReversed) throw Refuse($"it reads the sequence of reverse-direction node '{layer.Node}' in input order; a go_backwards layer returns it in processing order (reverse it with Slice)");
            layer.ReturnSequences = data.Find(AxisKind.Time) >= 0;
            layer.Merge = from.Merge;
        }
        if (data.Chain != _layers.Count)
            throw Refuse("the graph branches: it reads the output of an earlier layer than the last one, which a Sequential model cannot express");
    }

    private Data Append(ImportedLayer layer, Data input, Axis features)
    {
        _layers.Add(layer);
        return new Data([.. input.Axes[..^1], features], _layers.Count);
    }

    private static void RequireFeatures(Axis axis, int size, Func<string, NotSupportedException> refuse)
    {
        if (axis.Size >= 0 && axis.Size != size) throw refuse($"its weights take {size} features, the data has {axis.Size}");
    }
}
