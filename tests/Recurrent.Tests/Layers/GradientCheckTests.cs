using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Finite-difference checks of every cell and recurrent-layer option, in float64.</summary>
public class GradientCheckTests
{
    private const int Batch = 2, Steps = 4, Features = 3, Units = 4;

    public static TheoryData<string> Activations() =>
    [
        "linear", "tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_legacy", "relu", "softmax", "elu", "selu",
        "softplus", "softsign", "swish",
    ];

    public static TheoryData<string> Cells() => ["simple_rnn", "lstm", "gru", "gru_reset_before"];

    private static RecurrentLayer<double> NewLayer(string cell, bool returnSequences = true, bool returnState = true,
        bool goBackwards = false, string recurrentActivation = "sigmoid", bool useBias = true) => cell switch
    {
        "simple_rnn" => new SimpleRnn<double>(Units, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, useBias: useBias),
        "lstm" => new Lstm<double>(Units, recurrentActivation: recurrentActivation, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, useBias: useBias),
        "gru" => new Gru<double>(Units, recurrentActivation: recurrentActivation, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, useBias: useBias),
        "gru_reset_before" => new Gru<double>(Units, recurrentActivation: recurrentActivation, resetAfter: false, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, useBias: useBias),
        _ => throw new ArgumentException(cell),
    };

    private static int StateCount(string cell) => cell == "lstm" ? 2 : 1;


    private static SequenceGradientCheck Prepared(int seed, double weightScale, params ISequenceLayer<double>[] layers)
    {
        var check = new SequenceGradientCheck(seed, Batch, Steps, Features, layers);
        // One forward builds every layer's weights for its input size; then the weights are redrawn at the chosen scale.
        Tensor<double> x = check.Input;
        foreach (ISequenceLayer<double> layer in layers) x = layer.ForwardSequence(x).Outputs[0];
        check.RandomizeWeights(weightScale);
        return check;
    }

    private static List<Tensor<double>> RandomStates(SequenceGradientCheck check, int count) =>
        Enumerable.Range(0, count).Select(_ => check.RandomTensor(1.0, Batch, Units)).ToList();

    [Theory]
    [MemberData(nameof(Activations))]
    public void SimpleRnn_matches_finite_differences_for_each_activation(string activation)
    {
        var layer = new SimpleRnn<double>(Units, activation: activation, returnSequences: true, returnState: true);
        var check = Prepared(1, 0.8, layer);
        check.InitialState = RandomStates(check, 1);
        check.AssertMatches();
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_matches_finite_differences_with_state_loss_and_initial_state(string cell)
    {
        var check = Prepared(2, 0.8, NewLayer(cell));
        check.InitialState = RandomStates(check, StateCount(cell));
        check.AssertMatches();
    }

    [Theory]
    [InlineData("lstm", "hard_sigmoid")]
    [InlineData("lstm", "hard_sigmoid_legacy")]
    [InlineData("gru", "hard_sigmoid")]
    [InlineData("gru", "hard_sigmoid_legacy")]
    [InlineData("gru_reset_before", "hard_sigmoid")]
    [InlineData("gru_reset_before", "hard_sigmoid_legacy")]
    public void Gated_cells_match_finite_differences_with_hard_sigmoid_gates(string cell, string recurrentActivation)
    {
        // Large weights put some gate pre-activations in the clipped region and some in the linear one.
        var check = Prepared(3, 1.5, NewLayer(cell, recurrentActivation: recurrentActivation));
        check.InitialState = RandomStates(check, StateCount(cell));
        check.AssertMatches();
    }

    [Theory]
    [InlineData("lstm", "relu")]
    [InlineData("lstm", "softsign")]
    [InlineData("gru", "elu")]
    [InlineData("gru_reset_before", "swish")]
    public void Gated_cells_match_finite_differences_with_other_activations(string cell, string activation)
    {
        RecurrentLayer<double> layer = cell == "lstm"
            ? new Lstm<double>(Units, activation: activation, returnSequences: true, returnState: true)
            : new Gru<double>(Units, activation: activation, resetAfter: cell == "gru", returnSequences: true, returnState: true);
        var check = Prepared(4, 0.8, layer);
        check.AssertMatches();
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_matches_finite_differences_going_backwards(string cell)
    {
        var check = Prepared(5, 0.8, NewLayer(cell, goBackwards: true));
        check.InitialState = RandomStates(check, StateCount(cell));
        check.AssertMatches();
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_matches_finite_differences_without_bias_returning_the_last_output(string cell)
    {
        var check = Prepared(6, 0.8, NewLayer(cell, returnSequences: false, useBias: false));
        check.AssertMatches();
    }

    // Row 0: padded at the end; row 1: padded at the start and in the middle (Keras carries the state over).
    private static bool[,] Mask() => new bool[,] { { true, true, false, false }, { false, true, false, true } };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_matches_finite_differences_with_a_mask(string cell)
    {
        var check = Prepared(7, 0.8, NewLayer(cell));
        check.InitialState = RandomStates(check, StateCount(cell));
        check.Mask = Mask();
        check.AssertMatches();
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_matches_finite_differences_with_a_mask_going_backwards_to_the_last_output(string cell)
    {
        var check = Prepared(8, 0.8, NewLayer(cell, returnSequences: false, goBackwards: true));
        check.Mask = Mask();
        check.AssertMatches();
    }

    [Theory]
    [InlineData(MergeMode.Concat)]
    [InlineData(MergeMode.Sum)]
    [InlineData(MergeMode.Mul)]
    [InlineData(MergeMode.Ave)]
    [InlineData(MergeMode.None)]
    public void Bidirectional_matches_finite_differences_for_each_merge_mode(MergeMode mode)
    {
        var check = Prepared(9, 0.8, new Bidirectional<double>(NewLayer("lstm"), mode));
        check.InitialState = RandomStates(check, 4);
        check.AssertMatches();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bidirectional_matches_finite_differences_with_a_mask(bool returnSequences)
    {
        var check = Prepared(10, 0.8, new Bidirectional<double>(NewLayer("gru", returnSequences: returnSequences)));
        check.Mask = Mask();
        check.AssertMatches();
    }

    [Fact]
    public void Stacked_layers_match_finite_differences()
    {
        var check = Prepared(11, 0.8,
            new Bidirectional<double>(NewLayer("gru_reset_before"), MergeMode.Sum),
            NewLayer("lstm"),
            NewLayer("simple_rnn", returnSequences: false));
        check.InitialState = RandomStates(check, 2);
        check.Mask = Mask();
        check.AssertMatches();
    }
}
