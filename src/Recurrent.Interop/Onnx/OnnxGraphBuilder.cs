using System.Runtime.InteropServices;
using Google.Protobuf;
using Recurrent.Interop.Onnx.Proto;

namespace Recurrent.Interop.Onnx;

/// <summary>Appends nodes and initializers to an ONNX graph with unique names.</summary>
internal sealed class OnnxGraphBuilder(string name)
{
    private readonly HashSet<string> _names = [];

    public GraphProto Graph { get; } = new() { Name = name };

    /// <summary>A name not used yet: <paramref name="wanted"/>, or it with a numeric suffix.</summary>
    public string Unique(string wanted)
    {
        string candidate = wanted;
        for (int i = 1; !_names.Add(candidate); i++) candidate = $"{wanted}_{i}";
        return candidate;
    }

    /// <summary>A float initializer of shape <paramref name="dims"/>, stored as raw little-endian bytes.</summary>
    public string Floats(string wanted, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Unique(wanted), DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A 1-D int64 initializer (shapes, axes, slice bounds).</summary>
    public string Int64s(string wanted, params long[] values)
    {
        var tensor = new TensorProto { Name = Unique(wanted), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A scalar int64 initializer (a Gather index that drops the axis).</summary>
    public string Int64Scalar(string wanted, long value)
    {
        var tensor = new TensorProto { Name = Unique(wanted), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.Add(value);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node; returns its <paramref name="outputs"/> output names (derived from the node's name).</summary>
    public string[] Node(string opType, string nodeName, IEnumerable<string> inputs, int outputs = 1, params AttributeProto[] attributes)
    {
        string node = Unique(nodeName);
        string[] names = Enumerable.Range(0, outputs).Select(i => Unique(outputs == 1 ? node : $"{node}:{i}")).ToArray();
        AddNode(opType, node, inputs, names, attributes);
        return names;
    }

    /// <summary>Adds a node whose single output has a chosen name (a graph output's).</summary>
    public void NodeTo(string opType, string nodeName, IEnumerable<string> inputs, string output, params AttributeProto[] attributes) =>
        AddNode(opType, Unique(nodeName), inputs, [output], attributes);

    private void AddNode(string opType, string name, IEnumerable<string> inputs, string[] outputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>Shorthand for a node with one output.</summary>
    public string Op(string opType, string nodeName, params string[] inputs) => Node(opType, nodeName, inputs)[0];

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }

    /// <summary>A graph input or output: element type and shape, a string for a named dynamic axis.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
            shape.Dim.Add(dim is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
