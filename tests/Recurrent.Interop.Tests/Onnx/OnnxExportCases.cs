using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>
/// The models every ONNX export test uses; shared with the acceptance step's onnx.checker run: eight hand-picked
/// models for options, and the grid RNN / LSTM / GRU × uni / bidirectional × 1 / 2 layers × with / without Embedding
/// × with / without Dense.
/// </summary>
public static class OnnxExportCases
{
    // Grid names: KIND_DIRECTIONS_lLAYERS[_embedding][_dense], e.g. "gru_bi_l2_embedding_dense".
    public static readonly string[] Grid =
        (from kind in new[] { "rnn", "lstm", "gru" }
         from directions in new[] { "uni", "bi" }
         from layers in new[] { 1, 2 }
         from embedding in new[] { "", "_embedding" }
         from dense in new[] { "", "_dense" }
         select $"{kind}_{directions}_l{layers}{embedding}{dense}").ToArray();

    // A grid model: with a Dense head the last recurrent layer returns its final state, without one every step.
    private static (Layer<float>[] Layers, int[] InputShape, bool Ids) GridCase(string name)
    {
        string[] parts = name.Split('_');
        bool embedding = parts.Contains("embedding"), dense = parts.Contains("dense");
        int layers = parts[2][1] - '0';
        var stack = new List<Layer<float>>();
        if (embedding) stack.Add(new Embedding<float>(20, 4));
        for (int l = 0; l < layers; l++)
        {
            bool sequences = l < layers - 1 || !dense;
            RecurrentLayer<float> layer = parts[0] switch
            {
                "rnn" => new SimpleRnn<float>(5, returnSequences: sequences),
                "lstm" => new Lstm<float>(5, returnSequences: sequences),
                _ => new Gru<float>(5, returnSequences: sequences),
            };
            stack.Add(parts[1] == "bi" ? new Bidirectional<float>(layer) : layer);
        }
        if (dense) stack.Add(new Dense<float>(3));
        return ([.. stack], embedding ? [-1] : [-1, 4], embedding);
    }

    // Each case: layers, input shape without the batch axis (−1: any number of steps), and whether inputs are ids.
    public static (Layer<float>[] Layers, int[] InputShape, bool Ids) Case(string name) => name switch
    {
        _ when Grid.Contains(name) => GridCase(name),
        "simple_rnn" => ([new SimpleRnn<float>(5), new Dense<float>(2)], [-1, 4], false),
        "lstm_stacked_softmax" => ([new Lstm<float>(6, returnSequences: true), new Lstm<float>(6), new Dense<float>(3, "softmax")], [-1, 4], false),
        "gru_bidirectional_stacked" => ([new Bidirectional<float>(new Gru<float>(4, returnSequences: true)), new Bidirectional<float>(new Gru<float>(4)),
            new Dense<float>(1, "sigmoid")], [-1, 4], false),
        "gru_reset_before_time_distributed" => ([new Gru<float>(5, resetAfter: false, returnSequences: true),
            new TimeDistributed<float>(new Dense<float>(3)), new ActivationLayer<float>("softmax")], [-1, 4], false),
        "embedding_bidirectional_sum" => ([new Embedding<float>(20, 4), new Bidirectional<float>(new Lstm<float>(5, returnSequences: true), MergeMode.Sum),
            new Dropout<float>(0.3), new Dense<float>(2)], [-1], true),
        "go_backwards" => ([new Lstm<float>(4, goBackwards: true, returnSequences: true), new SimpleRnn<float>(3, "relu", goBackwards: true, returnSequences: true),
            new Dense<float>(2, "tanh")], [-1, 4], false),
        "no_bias_ave_mul" => ([new Bidirectional<float>(new SimpleRnn<float>(3, useBias: false, returnSequences: true), MergeMode.Ave),
            new Bidirectional<float>(new Gru<float>(3, useBias: false, returnSequences: true), MergeMode.Mul),
            new TimeDistributed<float>(new Dense<float>(2, "swish", useBias: false))], [-1, 4], false),
        "activations" => ([new Gru<float>(4, returnSequences: true), new Dense<float>(6, "elu"), new ActivationLayer<float>("selu"),
            new Dense<float>(4, "softsign"), new ActivationLayer<float>("hard_sigmoid"), new Dense<float>(5, "softplus"),
            new ActivationLayer<float>("hard_sigmoid_legacy"), new Dense<float>(3, "relu")], [-1, 4], false),
        _ => throw new ArgumentException(name),
    };

    public static readonly string[] Names = ["simple_rnn", "lstm_stacked_softmax", "gru_bidirectional_stacked", "gru_reset_before_time_distributed",
        "embedding_bidirectional_sum", "go_backwards", "no_bias_ave_mul", "activations", .. Grid];

    public static Sequential<float> Model(string name)
    {
        var (layers, shape, _) = Case(name);
        return new Sequential<float>(layers, shape, seed: 7);
    }

    /// <summary>A random input for case <paramref name="name"/>: ids below 20, or features in [−2, 2).</summary>
    public static Tensor<float> Input(string name, int batch, int steps, int seed)
    {
        var (_, shape, ids) = Case(name);
        return RandomInput(batch, steps, ids ? null : shape[^1], seed);
    }

    /// <summary>Random [batch, steps, features] in [−2, 2), or ids [batch, steps] below <paramref name="vocabulary"/> when <paramref name="features"/> is null.</summary>
    public static Tensor<float> RandomInput(int batch, int steps, int? features, int seed, int vocabulary = 20)
    {
        var random = new Random(seed);
        var x = features is int f ? Tensor<float>.Zeros(batch, steps, f) : Tensor<float>.Zeros(batch, steps);
        for (int i = 0; i < x.Length; i++) x.Span[i] = features is null ? random.Next(vocabulary) : (float)(random.NextDouble() * 4 - 2);
        return x;
    }
}
