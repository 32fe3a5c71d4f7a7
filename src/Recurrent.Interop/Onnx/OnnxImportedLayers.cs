using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Interop.Onnx;

/// <summary>
/// A layer recognised in an ONNX graph, collected in graph order and turned into one of our layers once the whole
/// graph is read (a recurrent layer learns whether it returns sequences, and how its directions merge, only from
/// the nodes after it).
/// </summary>
internal abstract class ImportedLayer
{
    public abstract Layer<float> Create();

    /// <summary>Keras-layout weights for <see cref="Layer{T}.SetWeights"/>, or none.</summary>
    public abstract IReadOnlyList<Tensor<float>> Weights { get; }

    /// <summary>The input features the layer's weights fix, if they do (the model's input size when it comes first).</summary>
    public abstract int? InputSize { get; }
}

internal sealed class ImportedEmbedding(float[] table, int inputDim, int outputDim) : ImportedLayer
{
    public override Layer<float> Create() => new Embedding<float>(inputDim, outputDim);

    public override IReadOnlyList<Tensor<float>> Weights => [new Tensor<float>(table, inputDim, outputDim)];

    public override int? InputSize => null;
}

internal sealed class ImportedDense(float[] kernel, int inputSize, int units) : ImportedLayer
{
    public int Units => units;

    public float[]? Bias { get; set; }

    public string Activation { get; set; } = "linear";

    public override Layer<float> Create() => new Dense<float>(units, Activation, useBias: Bias is not null);

    public override IReadOnlyList<Tensor<float>> Weights =>
        Bias is null ? [new Tensor<float>(kernel, inputSize, units)] : [new Tensor<float>(kernel, inputSize, units), new Tensor<float>(Bias, units)];

    public override int? InputSize => inputSize;
}

internal sealed class ImportedActivation(string name) : ImportedLayer
{
    public override Layer<float> Create() => new ActivationLayer<float>(name);

    public override IReadOnlyList<Tensor<float>> Weights => [];

    public override int? InputSize => null;
}

/// <summary>
/// An ONNX RNN / LSTM / GRU node: per direction its weights, and the cell activations by ONNX's list (RNN f;
/// LSTM f, g, h; GRU f, g), already checked to be the same for both directions and (LSTM) g = h.
/// </summary>
internal sealed class ImportedRecurrent(string node, RecurrentKind kind, int inputSize, int units, bool reverse, string[] activations,
    bool resetAfter, OnnxRecurrentWeights[] directions) : ImportedLayer
{
    public string Node => node;

    public int Units => units;

    public int Directions => directions.Length;

    /// <summary>Set when the graph reads the layer's output: its sequence (true) or its final state (false).</summary>
    public bool? ReturnSequences { get; set; }

    public MergeMode Merge { get; set; } = MergeMode.Concat;

    public override int? InputSize => inputSize;

    public override Layer<float> Create()
    {
        bool sequences = ReturnSequences ?? throw new InvalidOperationException($"ONNX import: the output of node '{node}' was never read.");
        RecurrentLayer<float> layer = kind switch
        {
            RecurrentKind.SimpleRnn => new SimpleRnn<float>(units, activations[0], UseBias, sequences, goBackwards: reverse),
            RecurrentKind.Lstm => new Lstm<float>(units, activations[1], activations[0], UseBias, unitForgetBias: false, sequences, goBackwards: reverse),
            _ => new Gru<float>(units, activations[1], activations[0], UseBias, resetAfter, sequences, goBackwards: reverse),
        };
        return Directions == 2 ? new Bidirectional<float>(layer, Merge) : layer;
    }

    private bool UseBias => directions[0].Wb is not null;

    public override IReadOnlyList<Tensor<float>> Weights
    {
        get
        {
            int width = OnnxRecurrentWeights.GateCount(kind) * units;
            var weights = new List<Tensor<float>>();
            foreach (OnnxRecurrentWeights direction in directions)
            {
                var (kernel, recurrentKernel, bias) = direction.ToKeras(kind, inputSize, units, twoRowBias: kind == RecurrentKind.Gru && resetAfter);
                weights.Add(new Tensor<float>(kernel, inputSize, width));
                weights.Add(new Tensor<float>(recurrentKernel, units, width));
                if (bias is not null) weights.Add(bias.Length == width ? new Tensor<float>(bias, width) : new Tensor<float>(bias, 2, width));
            }
            return weights;
        }
    }
}
