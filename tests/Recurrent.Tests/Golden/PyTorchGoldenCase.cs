using System.Numerics;
using System.Text.Json;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Golden;

/// <summary>
/// One PyTorch golden file (see Fixtures/README.md): builds the equivalent stack of Keras-layout layers through
/// <see cref="PyTorchWeights"/>, runs forward and backward with loss = sum(output ⊙ R), and compares every
/// output and gradient with PyTorch's.
/// </summary>
public sealed class PyTorchGoldenCase
{
    private readonly JsonElement _root;

    private PyTorchGoldenCase(string path)
    {
        Path = path;
        _root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        JsonElement config = _root.GetProperty("config");
        Layers = config.GetProperty("num_layers").GetInt32();
        Directions = config.GetProperty("num_directions").GetInt32();
        Units = config.GetProperty("hidden_size").GetInt32();
        Kind = _root.GetProperty("module").GetString() switch
        {
            "torch.nn.RNN" => RecurrentKind.SimpleRnn,
            "torch.nn.LSTM" => RecurrentKind.Lstm,
            "torch.nn.GRU" => RecurrentKind.Gru,
            var other => throw new InvalidDataException($"{path}: unknown module {other}"),
        };
    }

    public static PyTorchGoldenCase Load(string path) => new(path);

    public string Path { get; }
    public RecurrentKind Kind { get; }
    public int Layers { get; }
    public int Directions { get; }
    public int Units { get; }
    private int StateCount => Kind == RecurrentKind.Lstm ? 2 : 1;
    private string[] StateNames => Kind == RecurrentKind.Lstm ? ["h", "c"] : ["h"];

    private GoldenTensor Tensor(params string[] path)
    {
        JsonElement e = _root;
        foreach (string p in path) e = e.GetProperty(p);
        return GoldenTensor.Read(e);
    }

    private static string Suffix(int layer, int direction) => $"_l{layer}" + (direction == 1 ? "_reverse" : "");

    private RecurrentLayer<T> NewLayer<T>() where T : struct, IFloatingPointIeee754<T> => Kind switch
    {
        RecurrentKind.SimpleRnn => new SimpleRnn<T>(Units, returnSequences: true, returnState: true),
        RecurrentKind.Lstm => new Lstm<T>(Units, returnSequences: true, returnState: true),
        _ => new Gru<T>(Units, returnSequences: true, returnState: true),
    };

    /// <summary>Runs the case in <typeparamref name="T"/> and asserts everything within the tolerances.</summary>
    public void Check<T>(double absolute, double relative) where T : struct, IFloatingPointIeee754<T>
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(Path);
        var stack = new List<(RecurrentLayer<T> Single, Bidirectional<T>? Both)>();
        for (int l = 0; l < Layers; l++)
        {
            var weights = new List<Tensor<T>>();
            for (int d = 0; d < Directions; d++)
            {
                string s = Suffix(l, d);
                weights.AddRange(PyTorchWeights.ToKeras(Kind, Tensor("weights", "weight_ih" + s).As<T>(), Tensor("weights", "weight_hh" + s).As<T>(),
                    Tensor("weights", "bias_ih" + s).As<T>(), Tensor("weights", "bias_hh" + s).As<T>()));
            }
            RecurrentLayer<T> layer = NewLayer<T>();
            Bidirectional<T>? both = Directions == 2 ? new Bidirectional<T>(layer) : null;
            if (both is null) layer.SetWeights(weights);
            else both.SetWeights(weights);
            stack.Add((layer, both));
        }

        // Forward through the stack, each layer starting from its slices of h0 (and c0).
        Tensor<T> x = Tensor("inputs", "input").As<T>();
        var finalStates = new List<Tensor<T>>();
        for (int l = 0; l < Layers; l++)
        {
            var initial = new List<Tensor<T>>();
            for (int d = 0; d < Directions; d++)
                foreach (string state in StateNames)
                    initial.Add(Tensor("inputs", state + "0").Slice<T>(l * Directions + d));
            RecurrentOutput<T> result = stack[l].Both is { } both
                ? both.ForwardSequence(x, initial)
                : stack[l].Single.ForwardSequence(x, initial);
            x = result.Output;
            finalStates.AddRange(result.States);
        }
        Compare.Close($"{name} output", Tensor("outputs", "output").Data, x.Span, absolute, relative);
        for (int k = 0; k < StateCount; k++)
        {
            GoldenTensor expected = Tensor("outputs", StateNames[k] + "_n");
            int size = expected.Data.Length / expected.Shape[0];
            for (int i = 0; i < Layers * Directions; i++)
                Compare.Close($"{name} {StateNames[k]}_n[{i}]", expected.Data.Skip(i * size).Take(size).ToArray(),
                    finalStates[i * StateCount + k].Span, absolute, relative);
        }

        // Backward from dLoss/dOutput = R, last layer first.
        Tensor<T> gradient = Tensor("inputs", "R").As<T>();
        var initialGradients = new Tensor<T>[Layers][];
        for (int l = Layers - 1; l >= 0; l--)
        {
            RecurrentGradients<T> result = stack[l].Both is { } both
                ? both.BackwardSequence([gradient])
                : stack[l].Single.BackwardSequence(gradient);
            gradient = result.Input;
            initialGradients[l] = result.InitialStates.ToArray();
        }
        Compare.Close($"{name} d input", Tensor("gradients", "input").Data, gradient.Span, absolute, relative);
        for (int k = 0; k < StateCount; k++)
        {
            GoldenTensor expected = Tensor("gradients", StateNames[k] + "0");
            int size = expected.Data.Length / expected.Shape[0];
            for (int l = 0; l < Layers; l++)
                for (int d = 0; d < Directions; d++)
                    Compare.Close($"{name} d {StateNames[k]}0[{l * Directions + d}]", expected.Data.Skip((l * Directions + d) * size).Take(size).ToArray(),
                        initialGradients[l][d * StateCount + k].Span, absolute, relative);
        }
        for (int l = 0; l < Layers; l++)
        {
            IReadOnlyList<Parameter<T>> parameters = stack[l].Both?.Parameters ?? stack[l].Single.Parameters;
            for (int d = 0; d < Directions; d++)
            {
                Tensor<T>[] kerasGradients = parameters.Skip(3 * d).Take(3).Select(p => p.Gradient).ToArray();
                var (weightIh, weightHh, biasIh, biasHh) = PyTorchWeights.FromKeras(Kind, kerasGradients);
                // SimpleRNN and LSTM keep one bias for PyTorch's two, so both receive its whole gradient.
                if (Kind != RecurrentKind.Gru) biasHh = biasIh;
                string s = Suffix(l, d);
                Compare.Close($"{name} d weight_ih{s}", Tensor("gradients", "weights", "weight_ih" + s).Data, weightIh.Span, absolute, relative);
                Compare.Close($"{name} d weight_hh{s}", Tensor("gradients", "weights", "weight_hh" + s).Data, weightHh.Span, absolute, relative);
                Compare.Close($"{name} d bias_ih{s}", Tensor("gradients", "weights", "bias_ih" + s).Data, biasIh!.Span, absolute, relative);
                Compare.Close($"{name} d bias_hh{s}", Tensor("gradients", "weights", "bias_hh" + s).Data, biasHh!.Span, absolute, relative);
            }
        }
    }
}
