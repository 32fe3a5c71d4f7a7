using System.Numerics;
using Google.Protobuf;
using Recurrent.IO;
using Recurrent.Kernels.Activations;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Recurrent.Interop.Onnx.Proto;
using static Recurrent.Interop.Onnx.OnnxGraphBuilder;
using DataType = Recurrent.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// Writes a <see cref="Sequential{T}"/> model as an ONNX graph (opset 14, float32) that ONNX Runtime and other
/// runtimes run: Embedding (Gather), SimpleRNN / LSTM / GRU (ONNX's RNN / LSTM / GRU operators; stacked,
/// Bidirectional, go_backwards, return_sequences, return_state), Dense and TimeDistributed(Dense) (MatMul, Add),
/// Activation, and Dropout (the identity at inference). Batch and time axes are dynamic.
/// </summary>
/// <remarks>
/// The graph input is <c>input</c>: float [batch, time, features], or int64 ids [batch, time] when the model starts
/// with an Embedding. The output is <c>output</c>; each layer with return_state adds its final states as
/// <c>LAYER_state_K</c> [batch, units], in Keras' order (h, c; forward before backward). Masking is refused: ONNX's
/// recurrent operators can skip only trailing padding (sequence_lens), while a Keras mask may skip any step.
/// </remarks>
/// <example>
/// <code>
/// var model = new Sequential&lt;float&gt;([new Lstm&lt;float&gt;(16), new Dense&lt;float&gt;(1)], inputShape: [-1, 3]);
/// OnnxExporter.Export(model, "model.onnx");   // input [batch, time, 3] → output [batch, 1]
/// </code>
/// </example>
public static class OnnxExporter
{
    /// <summary>The operator set the graph uses.</summary>
    public const int Opset = 14;

    // IR version 7 is the one released with opset 14 (ONNX 1.9), so older runtimes read the file too.
    private const int IrVersion = 7;

    /// <summary>Writes <paramref name="model"/> (built) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="NotSupportedException">A layer or option has no ONNX form here; the message names the layer and what is unsupported.</exception>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public static void Export<T>(Sequential<T> model, string path) where T : struct, IFloatingPointIeee754<T>
    {
        ModelProto proto = ToOnnx(model);
        AtomicFile.Write(path, proto.WriteTo);
    }

    /// <summary>The ONNX model of <paramref name="model"/>, serialized.</summary>
    public static byte[] ToBytes<T>(Sequential<T> model) where T : struct, IFloatingPointIeee754<T> => ToOnnx(model).ToByteArray();

    internal static ModelProto ToOnnx<T>(Sequential<T> model) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        int[] inputShape = model.InputShape ?? throw new InvalidOperationException($"Model '{model.Name}' is not built; build or train it before exporting.");
        bool ids = model.Layers.Count > 0 && model.Layers[0] is Embedding<T>;
        if (ids ? inputShape.Length != 1 : inputShape.Length != 2)
            throw new NotSupportedException($"Model '{model.Name}': input shape [batch, {string.Join(", ", inputShape)}] is not exported; ONNX export takes sequences [batch, time, features] (or [batch, time] ids for an Embedding).");

        var graph = new OnnxGraphBuilder(model.Name);
        var context = new ExportContext<T>(graph);
        string input = graph.Unique("input");
        graph.Graph.Input.Add(ids
            ? Value(input, DataType.Int64, "batch", "time")
            : Value(input, DataType.Float, "batch", "time", inputShape[1]));
        // The time axis is dynamic whatever length the model was built with: recurrent layers take any.
        int[] shape = [-1, .. inputShape[1..]];
        string x = input;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer<T> layer = model.Layers[i];
            x = context.Emit(layer, x, shape, first: i == 0);
            shape = layer.ComputeOutputShape(shape);
        }
        string output = graph.Unique("output");
        graph.NodeTo("Identity", "output", [x], output);
        graph.Graph.Output.Add(Value(output, DataType.Float, ["batch", .. shape.Select(d => d < 0 ? (object)"time" : d)]));
        graph.Graph.Output.Add(context.StateOutputs);

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Recurrent",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return proto;
    }

    private sealed class ExportContext<T>(OnnxGraphBuilder graph) where T : struct, IFloatingPointIeee754<T>
    {
        public List<ValueInfoProto> StateOutputs { get; } = [];

        public string Emit(Layer<T> layer, string x, int[] shape, bool first) => layer switch
        {
            Embedding<T> embedding when !first => throw Unsupported(layer, "an Embedding is exported only as the first layer (it takes the int64 graph input)"),
            Embedding<T> { MaskZero: true } => throw Unsupported(layer, "mask_zero: ONNX's recurrent operators skip only trailing padding (sequence_lens), a Keras mask any step"),
            Embedding<T> embedding => graph.Node("Gather", embedding.Name, [Weight(embedding, 0, "embeddings"), x], 1, Attribute("axis", 0L))[0],
            RecurrentLayer<T> single => Recurrent(layer, [single], MergeMode.Concat, x, shape[^1]),
            Bidirectional<T> both when both.MergeMode == MergeMode.None => throw Unsupported(layer, "merge_mode none has two outputs; a Sequential passes on one"),
            Bidirectional<T> both => Recurrent(layer, [both.ForwardLayer, both.BackwardLayer], both.MergeMode, x, shape[^1]),
            Dense<T> dense => Dense(dense, x),
            TimeDistributed<T> { Layer: Dense<T> dense } => Dense(dense, x),
            ActivationLayer<T> activation => Activate(activation.Activation, x, layer.Name),
            Dropout<T> => x,
            _ => throw Unsupported(layer, $"{layer.TypeName} layers are not exported (Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dense, TimeDistributed(Dense), Activation, Dropout)"),
        };

        private static NotSupportedException Unsupported(Layer<T> layer, string why) => new($"ONNX export: layer '{layer.Name}' ({layer.TypeName}): {why}.");

        // A weight of the layer as a float initializer named LAYER/WEIGHT.
        private string Weight(Layer<T> layer, int index, string name)
        {
            var value = layer.Parameters[index].Value;
            return graph.Floats($"{layer.Name}/{name}", Floats(value.Span), value.Shape.ToArray().Select(d => (long)d).ToArray());
        }

        private static float[] Floats(ReadOnlySpan<T> values)
        {
            var result = new float[values.Length];
            for (int i = 0; i < values.Length; i++) result[i] = float.CreateChecked(values[i]);
            return result;
        }

        private string Dense(Dense<T> dense, string x)
        {
            string y = graph.Op("MatMul", $"{dense.Name}/MatMul", x, Weight(dense, 0, "kernel"));
            if (dense.UseBias) y = graph.Op("Add", $"{dense.Name}/Add", y, Weight(dense, 1, "bias"));
            return Activate(dense.Activation, y, dense.Name);
        }

        private string Activate(Activation<T> activation, string x, string layer)
        {
            string node = $"{layer}/{activation.Name}";
            return activation.Name switch
            {
                "linear" => x,
                "relu" => graph.Op("Relu", node, x),
                "tanh" => graph.Op("Tanh", node, x),
                "sigmoid" => graph.Op("Sigmoid", node, x),
                "softmax" => graph.Node("Softmax", node, [x], 1, Attribute("axis", -1L))[0],
                "elu" => graph.Node("Elu", node, [x], 1, Attribute("alpha", 1f))[0],
                "selu" => graph.Node("Selu", node, [x], 1, Attribute("alpha", 1.6732632423543772f), Attribute("gamma", 1.0507009873554805f))[0],
                "softplus" => graph.Op("Softplus", node, x),
                "softsign" => graph.Op("Softsign", node, x),
                "swish" or "silu" => graph.Op("Mul", node, x, graph.Op("Sigmoid", $"{node}/Sigmoid", x)),
                // Keras 3: clip(x/6 + 0.5, 0, 1); Keras 2: clip(0.2x + 0.5, 0, 1).
                "hard_sigmoid" => graph.Node("HardSigmoid", node, [x], 1, Attribute("alpha", 1f / 6), Attribute("beta", 0.5f))[0],
                "hard_sigmoid_legacy" => graph.Node("HardSigmoid", node, [x], 1, Attribute("alpha", 0.2f), Attribute("beta", 0.5f))[0],
                var other => throw new NotSupportedException($"ONNX export: layer '{layer}': activation '{other}' is not exported."),
            };
        }

        // Names ONNX's recurrent operators use for our cell activations; parameterised ones (HardSigmoid, Affine)
        // are left out because runtimes disagree on how activation_alpha/beta are consumed.
        private static string RecurrentActivation(RecurrentLayer<T> layer, Activation<T> activation) => activation.Name switch
        {
            "tanh" => "Tanh",
            "sigmoid" => "Sigmoid",
            "relu" => "Relu",
            var other => throw Unsupported(layer, $"activation '{other}' has no form in ONNX's recurrent operators here (tanh, sigmoid, relu)"),
        };

        // Per direction, the activations attribute: RNN f; LSTM f, g, h; GRU f, g (f the gate activation).
        private static (RecurrentKind Kind, string Op, string[] Activations) Describe(RecurrentLayer<T> layer) => layer switch
        {
            SimpleRnn<T> rnn => (RecurrentKind.SimpleRnn, "RNN", [RecurrentActivation(layer, rnn.Activation)]),
            Lstm<T> lstm => (RecurrentKind.Lstm, "LSTM", [RecurrentActivation(layer, lstm.RecurrentActivation), RecurrentActivation(layer, lstm.Activation), RecurrentActivation(layer, lstm.Activation)]),
            Gru<T> gru => (RecurrentKind.Gru, "GRU", [RecurrentActivation(layer, gru.RecurrentActivation), RecurrentActivation(layer, gru.Activation)]),
            _ => throw Unsupported(layer, "unknown recurrent layer"),
        };

        private string Recurrent(Layer<T> layer, RecurrentLayer<T>[] directions, MergeMode merge, string x, int inputSize)
        {
            RecurrentLayer<T> first = directions[0];
            var (kind, op, activations) = Describe(first);
            int units = first.Units, count = directions.Length, width = OnnxRecurrentWeights.GateCount(kind) * units;
            var weights = directions.Select(d =>
            {
                IReadOnlyList<Tensor<T>> keras = d.GetWeights();
                return OnnxRecurrentWeights.FromKeras(kind, inputSize, units, Floats(keras[0].Span), Floats(keras[1].Span), d.UseBias ? Floats(keras[2].Span) : null);
            }).ToArray();

            // ONNX's recurrent operators are time-major: X [T, B, I] → Y [T, dirs, B, H], Y_h (and Y_c) [dirs, B, H].
            string timeMajor = graph.Node("Transpose", $"{layer.Name}/to_time_major", [x], 1, Ints("perm", 1, 0, 2))[0];
            var inputs = new List<string>
            {
                timeMajor,
                graph.Floats($"{layer.Name}/W", weights.SelectMany(w => w.W).ToArray(), count, width, inputSize),
                graph.Floats($"{layer.Name}/R", weights.SelectMany(w => w.R).ToArray(), count, width, units),
            };
            if (first.UseBias) inputs.Add(graph.Floats($"{layer.Name}/B", weights.SelectMany(w => w.Wb!.Concat(w.Rb!)).ToArray(), count, 2 * width));
            var attributes = new List<AttributeProto>
            {
                Attribute("hidden_size", (long)units),
                Attribute("direction", count == 2 ? "bidirectional" : first.GoBackwards ? "reverse" : "forward"),
                Strings("activations", Enumerable.Repeat(activations, count).SelectMany(a => a).ToArray()),
            };
            // Keras' reset-after GRU applies the reset gate after the recurrent product, ONNX's linear_before_reset.
            if (first is Gru<T> gru) attributes.Add(Attribute("linear_before_reset", gru.ResetAfter ? 1L : 0L));
            string[] outputs = graph.Node(op, $"{layer.Name}/{op}", inputs, kind == RecurrentKind.Lstm ? 3 : 2, [.. attributes]);

            string result;
            if (first.ReturnSequences)
            {
                string y = outputs[0];
                // ONNX's reverse direction writes Y in input order; Keras' go_backwards layer returns processing order.
                if (count == 1 && first.GoBackwards)
                    y = graph.Op("Slice", $"{layer.Name}/reverse_time", y, graph.Int64s($"{layer.Name}/starts", -1), graph.Int64s($"{layer.Name}/ends", long.MinValue),
                        graph.Int64s($"{layer.Name}/axes", 0), graph.Int64s($"{layer.Name}/steps", -1));
                y = graph.Node("Transpose", $"{layer.Name}/to_batch_major", [y], 1, Ints("perm", 2, 0, 1, 3))[0];   // [B, T, dirs, H]
                result = Merge(layer, y, axis: 2, count * units, merge);
            }
            else
            {
                string h = graph.Node("Transpose", $"{layer.Name}/to_batch_major", [outputs[1]], 1, Ints("perm", 1, 0, 2))[0];   // [B, dirs, H]
                result = Merge(layer, h, axis: 1, count * units, merge);
            }
            if (first.ReturnState) AddStates(layer, outputs[1..], count, units);
            return result;
        }

        // [..., dirs, H] → [..., dirs·H] (concat: forward features first, as Keras), or reduced over dirs.
        private string Merge(Layer<T> layer, string y, int axis, int concatenated, MergeMode merge) => merge switch
        {
            MergeMode.Concat => graph.Op("Reshape", $"{layer.Name}/merge", y, graph.Int64s($"{layer.Name}/merged_shape", [.. Enumerable.Repeat(0L, axis), concatenated])),
            MergeMode.Sum => graph.Node("ReduceSum", $"{layer.Name}/merge", [y, graph.Int64s($"{layer.Name}/merge_axes", axis)], 1, Attribute("keepdims", 0L))[0],
            MergeMode.Ave => graph.Node("ReduceMean", $"{layer.Name}/merge", [y], 1, Ints("axes", axis), Attribute("keepdims", 0L))[0],
            MergeMode.Mul => graph.Node("ReduceProd", $"{layer.Name}/merge", [y], 1, Ints("axes", axis), Attribute("keepdims", 0L))[0],
            _ => throw Unsupported(layer, $"merge_mode {merge} is not exported"),
        };

        // Graph outputs LAYER_state_K [B, H] from Y_h (and Y_c) [dirs, B, H], in Keras' order: per direction h (then c).
        private void AddStates(Layer<T> layer, string[] states, int directions, int units)
        {
            int k = 0;
            for (int d = 0; d < directions; d++)
                foreach (string state in states)
                {
                    string name = graph.Unique($"{layer.Name}_state_{k++}");
                    graph.NodeTo("Gather", $"{name}/Gather", [state, graph.Int64Scalar($"{layer.Name}/direction_{d}", d)], name, Attribute("axis", 0L));
                    StateOutputs.Add(Value(name, DataType.Float, "batch", units));
                }
        }
    }
}
