using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Interop.Onnx.Proto;

namespace Recurrent.Interop.Onnx;

// The node handlers: what each recognised operator does to the data's axes, or which layer it appends.
internal sealed partial class OnnxGraphReader
{
    private Data Embedding()
    {
        OnnxTensorData table = ConstantInput(0);
        Data ids = DataInput(1);
        if (!_ids || _layers.Count > 0 || ids.Chain != 0)
            throw Refuse("a Gather on an initializer is read as an Embedding only as the first layer, on the integer ids input");
        if (table.Floats is null || table.Dims.Length != 2) throw Refuse($"an Embedding table must be float [vocabulary, dimension], got [{string.Join(", ", table.Dims)}]");
        if (Int("axis", 0) != 0) throw Refuse("an Embedding gathers rows (axis 0)");
        int vocabulary = (int)table.Dims[0], dimension = (int)table.Dims[1];
        _layers.Add(new ImportedEmbedding(table.Floats, vocabulary, dimension));
        return new Data([.. ids.Axes, new Axis(AxisKind.Features, dimension)], _layers.Count);
    }

    private int AxisOf(Data data, long axis) =>
        axis >= -data.Axes.Length && axis < data.Axes.Length ? (int)(axis < 0 ? axis + data.Axes.Length : axis)
            : throw Refuse($"axis {axis} is outside {data.Shape}");

    private static Axis[] Without(Axis[] axes, int index) => [.. axes[..index], .. axes[(index + 1)..]];

    // One direction of a directions axis: torch's h_n[k], or Squeeze of a unidirectional axis.
    private Data PickDirection(Data data, int axis, long index)
    {
        var entries = data.Axes[axis].Entries!;
        if (index < -entries.Length || index >= entries.Length) throw Refuse($"index {index} is outside the {entries.Length} directions");
        var (layer, direction) = entries[index < 0 ? index + entries.Length : index];
        return new Data(Without(data.Axes, axis), layer + 1, new Origin(layer, [direction], MergeMode.Concat), data.TimeReversed);
    }

    private Data Gather(Data data)
    {
        OnnxTensorData indices = ConstantInput(1);
        if (indices.Dims.Length != 0 || indices.Int64s is null) throw Refuse("only a scalar constant index is read (it selects a direction or the last time step)");
        long index = indices.Int64s[0];
        int axis = AxisOf(data, Int("axis", 0));
        switch (data.Axes[axis].Kind)
        {
            case AxisKind.Directions:
                return PickDirection(data, axis, index);
            case AxisKind.Time when index == -1:
                int? layer = data.From?.Layer ?? data.Axes.FirstOrDefault(a => a.Kind == AxisKind.Directions)?.Entries?.Select(e => e.Layer).Distinct().SingleOrDefault();
                if (layer is null || data.Chain != layer + 1) throw Refuse("the last time step is read only straight from a recurrent output (it becomes return_sequences=False)");
                var recurrent = (ImportedRecurrent)_layers[layer.Value];
                if (recurrent.Directions == 2)
                    throw Refuse($"the last step of bidirectional node '{recurrent.Node}' holds the backward direction's first step, which no Keras layer returns; use the final states (cat(h_n[-2], h_n[-1]))");
                if (data.TimeReversed) throw Refuse($"the last step in input order of reverse-direction node '{recurrent.Node}' is its first");
                return data with { Axes = Without(data.Axes, axis) };
            default:
                throw Refuse($"Gather on the {data.Axes[axis]} axis at index {index} is not read (a direction, or time step −1)");
        }
    }

    private Data Transpose(Data data)
    {
        long[] perm = Attribute("perm") is { } attribute ? [.. attribute.Ints] : Enumerable.Range(0, data.Axes.Length).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != data.Axes.Length || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
            throw Refuse($"perm [{string.Join(", ", perm)}] does not permute {data.Shape}");
        return data with { Axes = perm.Select(p => data.Axes[p]).ToArray() };
    }

    private long[] Axes(int input)
    {
        if (HasInput(input)) return Int64s(input);
        return Attribute("axes") is { } attribute ? [.. attribute.Ints] : throw Refuse("the axes are not given");
    }

    private Data Squeeze(Data data)
    {
        long[] axes = Axes(1);
        if (axes.Length != 1 || data.Axes[AxisOf(data, axes[0])] is not { Kind: AxisKind.Directions, Entries.Length: 1 })
            throw Refuse($"only the directions axis of a unidirectional layer is squeezed, not axes [{string.Join(", ", axes)}] of {data.Shape}");
        return PickDirection(data, AxisOf(data, axes[0]), 0);
    }

    // All directions of one layer, in order (forward then backward), as a directions axis holds them before a merge.
    private Origin Merged(Axis directions, MergeMode merge)
    {
        var entries = directions.Entries!;
        if (entries.Select(e => e.Layer).Distinct().Count() != 1 || entries.Where((e, i) => e.Direction != i).Any()
            || entries.Length != ((ImportedRecurrent)_layers[entries[0].Layer]).Directions)
            throw Refuse("it merges directions that are not all the directions of one recurrent layer, in order");
        return new Origin(entries[0].Layer, entries.Select(e => e.Direction).ToArray(), merge);
    }

    // [..., directions, H] → [..., directions·H]: the concat merge (copying the leading axes with 0, as torch and we write it).
    private Data Reshape(Data data)
    {
        long[] shape = Int64s(1);
        int d = data.Find(AxisKind.Directions);
        if (Int("allowzero", 0) != 0 || d < 0 || d != data.Axes.Length - 2 || shape.Length != data.Axes.Length - 1 || shape[..d].Any(s => s != 0))
            throw Refuse($"Reshape to [{string.Join(", ", shape)}] of {data.Shape} is read only as merging a recurrent output's directions ([0, ..., 0, -1])");
        Axis directions = data.Axes[d], features = data.Axes[d + 1];
        int size = directions.Entries!.Length * features.Size;
        if (shape[^1] != -1 && shape[^1] != size) throw Refuse($"merging {directions.Entries.Length} directions of {features.Size} features gives {size}, not {shape[^1]}");
        Origin from = Merged(directions, MergeMode.Concat);
        return new Data([.. data.Axes[..d], new Axis(AxisKind.Features, size)], from.Layer + 1, from, data.TimeReversed);
    }

    private Data Reduce(Data data)
    {
        long[] axes = Axes(1);
        if (Int("keepdims", 1) != 0 || axes.Length != 1 || data.Axes[AxisOf(data, axes[0])].Kind != AxisKind.Directions)
            throw Refuse($"{_node.OpType} is read only over the directions axis with keepdims=0 (a Bidirectional merge)");
        int d = AxisOf(data, axes[0]);
        Origin from = Merged(data.Axes[d], _node.OpType switch { "ReduceSum" => MergeMode.Sum, "ReduceMean" => MergeMode.Ave, _ => MergeMode.Mul });
        return new Data(Without(data.Axes, d), from.Layer + 1, from, data.TimeReversed);
    }

    // Concat of final states along the directions axis (torch's h_n over layers), or of one layer's directions along
    // the features (torch's cat(h_n[-2], h_n[-1])).
    private Data Concat()
    {
        Data[] parts = Enumerable.Range(0, _node.Input.Count).Select(DataInput).ToArray();
        int axis = AxisOf(parts[0], Int("axis", 0));
        AxisKind kind = parts[0].Axes[axis].Kind;
        if (parts.Any(p => p.Axes.Length != parts[0].Axes.Length || !p.Axes.Select(a => a.Kind).SequenceEqual(parts[0].Axes.Select(a => a.Kind)) || p.TimeReversed))
            throw Refuse("it joins tensors of different layouts");
        if (kind == AxisKind.Directions)
        {
            var entries = parts.SelectMany(p => p.Axes[axis].Entries!).ToArray();
            return new Data([.. parts[0].Axes[..axis], new Axis(AxisKind.Directions, Entries: entries), .. parts[0].Axes[(axis + 1)..]], -1);
        }
        if (kind == AxisKind.Features && parts.All(p => p.From is { Directions.Length: 1 }) && parts.Select(p => p.From!.Layer).Distinct().Count() == 1)
        {
            var directions = new Axis(AxisKind.Directions, Entries: parts.Select(p => (p.From!.Layer, p.From.Directions[0])).ToArray());
            Origin from = Merged(directions, MergeMode.Concat);
            return new Data([.. parts[0].Axes[..axis], new Axis(AxisKind.Features, parts.Sum(p => p.Axes[axis].Size)), .. parts[0].Axes[(axis + 1)..]], from.Layer + 1, from);
        }
        throw Refuse("Concat is read only as joining final states (the directions of one recurrent layer)");
    }

    // Slice(starts −1, ends −∞, step −1) on the time axis: our go_backwards layer's output order.
    private Data Slice(Data data)
    {
        long[] starts = Int64s(1), ends = Int64s(2), axes = HasInput(3) ? Int64s(3) : [0], steps = HasInput(4) ? Int64s(4) : [1];
        if (starts is not [-1] || ends.Length != 1 || ends[0] > int.MinValue || steps is not [-1] || axes.Length != 1 || data.Axes[AxisOf(data, axes[0])].Kind != AxisKind.Time)
            throw Refuse("Slice is read only as reversing the time axis (starts -1, ends -inf, steps -1)");
        return data with { TimeReversed = !data.TimeReversed };
    }

    private Data Dense(Data x, float[] kernel, int inputSize, int units, float[]? bias)
    {
        Commit(x);
        RequireFeatures(x.Axes[^1], inputSize, Refuse);
        return Append(new ImportedDense(kernel, inputSize, units) { Bias = bias }, x, new Axis(AxisKind.Features, units));
    }

    private Data Gemm(Data x)
    {
        OnnxTensorData b = ConstantInput(1);
        if (x.Axes.Length != 2 || b.Floats is null || b.Dims.Length != 2 || Int("transA", 0) != 0 || Float("alpha", 1) != 1 || Float("beta", 1) != 1)
            throw Refuse("Gemm is read as a Dense layer: x [batch, features] times a float matrix, transA = 0, alpha = beta = 1");
        bool transposed = Int("transB", 0) != 0;
        int inputSize = (int)b.Dims[transposed ? 1 : 0], units = (int)b.Dims[transposed ? 0 : 1];
        float[] kernel = transposed ? Transposed(b.Floats, units, inputSize) : b.Floats;
        return Dense(x, kernel, inputSize, units, HasInput(2) ? BiasOf(ConstantInput(2), units) : null);
    }

    private Data MatMul(Data x)
    {
        OnnxTensorData w = ConstantInput(1);
        if (w.Floats is null || w.Dims.Length != 2) throw Refuse("MatMul is read as a Dense layer: x [..., features] times a float matrix [features, units]");
        return Dense(x, w.Floats, (int)w.Dims[0], (int)w.Dims[1], null);
    }

    private float[] BiasOf(OnnxTensorData bias, int units)
    {
        if (bias.Floats is null || bias.Count != units || bias.Dims.Length == 0 || bias.Dims[^1] != units)
            throw Refuse($"a Dense bias must be float [{units}], got [{string.Join(", ", bias.Dims)}]");
        return bias.Floats;
    }

    private static float[] Transposed(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[c * rows + r] = matrix[r * columns + c];
        return result;
    }

    // MatMul then Add(bias): the bias of the Dense layer the MatMul appended.
    private Data AddBias()
    {
        int dataIndex = Get(_node.Input[0]) is Data ? 0 : 1;
        Data x = DataInput(dataIndex);
        if (_layers.LastOrDefault() is not ImportedDense { Bias: null, Activation: "linear" } dense || x.Chain != _layers.Count)
            throw Refuse("Add is read only as the bias after a MatMul (a Dense layer)");
        dense.Bias = BiasOf(ConstantInput(1 - dataIndex), dense.Units);
        return x;
    }

    private bool SwishConsumer(HashSet<string> live)
    {
        string gate = _node.Output[0], input = _node.Input[0];
        var readers = graph.Node.Where(n => n.Output.Any(live.Contains) && n.Input.Contains(gate)).ToArray();
        return readers is [{ OpType: "Mul" } mul] && mul.Input.Count == 2 && mul.Input.Contains(input) && mul.Input.Contains(gate);
    }

    private Data Swish()
    {
        if (Input(1) is SwishGate gate && gate.Input == _node.Input[0]) return Activate(DataInput(0), "swish");
        if (Input(0) is SwishGate first && first.Input == _node.Input[1]) return Activate(DataInput(1), "swish");
        throw Refuse("Mul is read only as x·Sigmoid(x) (swish)");
    }

    private Data Activation(Data x)
    {
        string name = _node.OpType switch
        {
            "Relu" => "relu",
            "Tanh" => "tanh",
            "Sigmoid" => "sigmoid",
            "Softplus" => "softplus",
            "Softsign" => "softsign",
            "Softmax" when AxisOf(x, Int("axis", -1)) == x.Axes.Length - 1 => "softmax",
            "Softmax" => throw Refuse("Softmax is read over the last axis only"),
            "Elu" when Float("alpha", 1) == 1 => "elu",
            "Selu" when Close(Float("alpha", 1.67326319f), 1.6732632423543772) && Close(Float("gamma", 1.05070102f), 1.0507009873554805) => "selu",
            "HardSigmoid" when Close(Float("beta", 0.5f), 0.5) && Close(Float("alpha", 0.2f), 1.0 / 6) => "hard_sigmoid",
            "HardSigmoid" when Close(Float("beta", 0.5f), 0.5) && Close(Float("alpha", 0.2f), 0.2) => "hard_sigmoid_legacy",
            "Elu" or "Selu" or "HardSigmoid" => throw Refuse("its parameters differ from Keras' activation of that name"),
            var op => throw Refuse($"operator {op} is not imported (see docs/interop-pytorch-onnx.md for what is)"),
        };
        return Activate(x, name);
    }

    private static bool Close(float value, double expected) => Math.Abs(value - expected) <= 1e-6 * Math.Abs(expected);

    // An activation right after a linear Dense becomes that Dense's activation, as Keras writes Dense(units, activation).
    private Data Activate(Data x, string name)
    {
        Commit(x);
        if (_layers.LastOrDefault() is ImportedDense { Activation: "linear" } dense)
        {
            dense.Activation = name;
            return x;
        }
        return Append(new ImportedActivation(name), x, x.Axes[^1]);
    }
}
