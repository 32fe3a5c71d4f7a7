using Recurrent.IO;

namespace Recurrent.Interop.Onnx;

// ONNX's RNN / LSTM / GRU operators → SimpleRnn / Lstm / Gru (in a Bidirectional for direction = bidirectional).
internal sealed partial class OnnxGraphReader
{
    // Per direction, ONNX's activations list: RNN f; LSTM f, g, h; GRU f, g — and each one's default.
    private static string[] DefaultActivations(RecurrentKind kind) => kind switch
    {
        RecurrentKind.SimpleRnn => ["Tanh"],
        RecurrentKind.Lstm => ["Sigmoid", "Tanh", "Tanh"],
        _ => ["Sigmoid", "Tanh"],
    };

    private void Recurrent(HashSet<string> live)
    {
        RecurrentKind kind = _node.OpType switch { "LSTM" => RecurrentKind.Lstm, "GRU" => RecurrentKind.Gru, _ => RecurrentKind.SimpleRnn };
        Data x = DataInput(0);
        Commit(x);
        if (x.Axes.Length != 3 || x.Axes[0].Kind != AxisKind.Time || x.Axes[1].Kind != AxisKind.Batch)
            throw Refuse($"it reads {x.Shape}; ONNX's recurrent operators are time-major [time, batch, features], so the graph must transpose a batch-first input (torch: batch_first=True)");

        string direction = Attribute("direction")?.S.ToStringUtf8() ?? "forward";
        int directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw Refuse($"direction '{direction}' is not an ONNX direction"),
        };
        foreach (string unsupported in new[] { "clip", "activation_alpha", "activation_beta" })
            if (Attribute(unsupported) is not null) throw Refuse($"attribute '{unsupported}' has no Keras counterpart");
        if (Int("layout", 0) != 0) throw Refuse("layout = 1 (batch-major states) is not imported");
        if (Int("input_forget", 0) != 0) throw Refuse("input_forget = 1 (coupled input and forget gates) has no Keras counterpart");
        if (HasInput(4)) throw Refuse("sequence_lens is not imported (a Keras mask is not a length)");
        if (kind == RecurrentKind.Lstm && HasInput(7)) throw Refuse("peephole weights P have no Keras counterpart");
        foreach (int state in kind == RecurrentKind.Lstm ? new[] { 5, 6 } : [5])
            if (HasInput(state) && Input(state) is not ZeroState)
                throw Refuse($"initial state '{_node.Input[state]}' is not zeros; import reads networks that start from zero states");
        if (kind == RecurrentKind.Lstm && _node.Output.Count > 2 && live.Contains(_node.Output[2]))
            throw Refuse("the final cell state Y_c is used; import reads the sequence Y and the final hidden state Y_h");

        int gates = OnnxRecurrentWeights.GateCount(kind);
        OnnxTensorData w = ConstantInput(1), r = ConstantInput(2);
        if (w.Floats is null || w.Dims.Length != 3 || r.Floats is null || r.Dims.Length != 3 || w.Dims[0] != directions || r.Dims[0] != directions
            || r.Dims[1] != gates * r.Dims[2] || w.Dims[1] != r.Dims[1])
            throw Refuse($"W [{string.Join(", ", w.Dims)}] and R [{string.Join(", ", r.Dims)}] are not float [{directions}, {gates}·H, input] and [{directions}, {gates}·H, H]");
        int units = (int)r.Dims[2], inputSize = (int)w.Dims[2], width = gates * units;
        if (Int("hidden_size", units) != units) throw Refuse($"hidden_size {Int("hidden_size", units)} differs from R's {units}");
        RequireFeatures(x.Axes[2], inputSize, Refuse);
        float[]? b = null;
        if (HasInput(3))
        {
            OnnxTensorData bias = ConstantInput(3);
            if (bias.Floats is null || bias.Dims is not [var d, var n] || d != directions || n != 2 * width)
                throw Refuse($"B [{string.Join(", ", bias.Dims)}] is not float [{directions}, {2 * width}]");
            b = bias.Floats;
        }

        string[] activations = Activations(kind, directions);
        bool resetAfter = kind == RecurrentKind.Gru && Int("linear_before_reset", 0) switch
        {
            0 => false,
            1 => true,
            var other => throw Refuse($"linear_before_reset = {other} is neither 0 nor 1"),
        };
        var weights = Enumerable.Range(0, directions).Select(d => new OnnxRecurrentWeights(
            w.Floats.AsSpan(d * width * inputSize, width * inputSize).ToArray(),
            r.Floats.AsSpan(d * width * units, width * units).ToArray(),
            b?.AsSpan(d * 2 * width, width).ToArray(),
            b?.AsSpan((d * 2 + 1) * width, width).ToArray())).ToArray();

        int index = _layers.Count;
        _layers.Add(new ImportedRecurrent(_node.Name, kind, inputSize, units, direction == "reverse", activations, resetAfter, weights));
        var entries = Enumerable.Range(0, directions).Select(d => (index, d)).ToArray();
        var directionsAxis = new Axis(AxisKind.Directions, Entries: entries);
        var hidden = new Axis(AxisKind.Features, units);
        Set(0, new Data([new Axis(AxisKind.Time), directionsAxis, new Axis(AxisKind.Batch), hidden], index + 1, TimeReversed: direction == "reverse"));
        Set(1, new Data([directionsAxis, new Axis(AxisKind.Batch), hidden], index + 1));
    }

    // Keras activation names of one direction's list (the same list for both directions; LSTM's g and h equal).
    private string[] Activations(RecurrentKind kind, int directions)
    {
        string[] defaults = DefaultActivations(kind);
        string[] onnx = Attribute("activations") is { } attribute ? attribute.Strings.Select(s => s.ToStringUtf8()).ToArray()
            : [.. Enumerable.Repeat(defaults, directions).SelectMany(a => a)];
        if (onnx.Length != defaults.Length * directions)
            throw Refuse($"activations lists {onnx.Length} functions; {_node.OpType} with {directions} direction(s) takes {defaults.Length * directions}");
        string[] first = onnx[..defaults.Length];
        if (!onnx[defaults.Length..].SequenceEqual(directions == 2 ? first : []))
            throw Refuse("the two directions use different activations, which a Bidirectional layer cannot hold");
        if (kind == RecurrentKind.Lstm && first[1] != first[2])
            throw Refuse($"the cell input activation {first[1]} differs from the output activation {first[2]}; Keras' LSTM has one activation for both");
        return first.Select(a => a switch
        {
            "Tanh" => "tanh",
            "Sigmoid" => "sigmoid",
            "Relu" => "relu",
            _ => throw Refuse($"cell activation {a} is not imported (Tanh, Sigmoid, Relu)"),
        }).ToArray();
    }
}
