using Recurrent.Initializers;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>
/// Central finite-difference check of a stack of sequence layers in float64. The loss is
/// L = Σ R ⊙ outputs of the last layer + Σ S ⊙ final states of every layer, with fixed random R and S, so the
/// check covers the output gradient, the state gradients (return_state) and every path in between.
/// Every element of the input, the initial states and every weight is perturbed by ±ε.
/// </summary>
public sealed class SequenceGradientCheck
{
    private readonly IReadOnlyList<ISequenceLayer<double>> _layers;
    private readonly Random _random;
    private readonly List<Tensor<double>> _outputWeights = [];
    private readonly List<List<Tensor<double>>> _stateWeights = [];

    public SequenceGradientCheck(int seed, int batch, int steps, int features, params ISequenceLayer<double>[] layers)
    {
        _layers = layers;
        _random = new Random(seed);
        Input = RandomTensor(2.0, batch, steps, features);
    }

    public Tensor<double> Input { get; }

    /// <summary>Initial states of the first layer (null: zeros).</summary>
    public List<Tensor<double>>? InitialState { get; set; }

    public bool[,]? Mask { get; set; }

    /// <summary>Weights drawn at this scale so gates saturate somewhere and hard sigmoids are clipped somewhere.</summary>
    public void RandomizeWeights(double scale)
    {
        foreach (Parameter<double> p in Parameters)
            Initializer.Uniform(-scale, scale).Fill(p.Value, _random);
    }

    private IEnumerable<Parameter<double>> Parameters => _layers.SelectMany(l => ((Layer<double>)l).Parameters);

    public Tensor<double> RandomTensor(double scale, params int[] shape)
    {
        var t = Tensor<double>.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = scale * (2 * _random.NextDouble() - 1);
        return t;
    }

    private double Loss()
    {
        Tensor<double> x = Input;
        double loss = 0;
        for (int l = 0; l < _layers.Count; l++)
        {
            RecurrentOutput<double> result = _layers[l].ForwardSequence(x, l == 0 ? InitialState : null, Mask);
            if (_stateWeights.Count <= l) _stateWeights.Add(result.States.Select(s => RandomTensor(1.0, s.Shape.ToArray())).ToList());
            for (int k = 0; k < result.States.Count; k++) loss += Dot(_stateWeights[l][k], result.States[k]);
            if (l == _layers.Count - 1)
            {
                if (_outputWeights.Count == 0) _outputWeights.AddRange(result.Outputs.Select(o => RandomTensor(1.0, o.Shape.ToArray())));
                for (int i = 0; i < result.Outputs.Count; i++) loss += Dot(_outputWeights[i], result.Outputs[i]);
            }
            else x = result.Output;
        }
        return loss;
    }

    private static double Dot(Tensor<double> a, Tensor<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a.Span[i] * b.Span[i];
        return sum;
    }

    /// <summary>Runs the check; returns the largest relative error (see <see cref="FiniteDifferences"/>).</summary>
    public double MaxRelativeError(out string worst)
    {
        Loss();
        foreach (var layer in _layers) ((Layer<double>)layer).ZeroGradients();
        RecurrentGradients<double>? gradients = null;
        IReadOnlyList<Tensor<double>?> outputGradients = _outputWeights;
        for (int l = _layers.Count - 1; l >= 0; l--)
        {
            gradients = _layers[l].BackwardSequence(outputGradients, _stateWeights[l]);
            outputGradients = [gradients.Input];
        }

        var checks = new List<(string Name, Tensor<double> Value, double[] Analytic)> { ("input", Input, gradients!.Input.Data.ToArray()) };
        for (int k = 0; k < (InitialState?.Count ?? 0); k++)
            checks.Add(($"initial_state[{k}]", InitialState![k], gradients.InitialStates[k].Data.ToArray()));
        checks.AddRange(FiniteDifferences.ParameterChecks(Parameters));
        return FiniteDifferences.MaxRelativeError(Loss, checks, out worst);
    }

    /// <summary>Asserts the maximum relative error is at most 1e-6.</summary>
    public void AssertMatches()
    {
        double error = MaxRelativeError(out string worst);
        Assert.True(error <= 1e-6, $"max relative error {error:E2} at {worst}");
    }
}
