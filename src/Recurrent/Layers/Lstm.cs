using System.Numerics;
using Recurrent.Cells;
using Recurrent.Initializers;
using Recurrent.Kernels.Activations;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>LSTM</c> (gate order i, f, c, o); states are h and c.
/// </summary>
/// <example>
/// <code>
/// var lstm = new Lstm&lt;float&gt;(units: 6, returnSequences: true, returnState: true);
/// RecurrentOutput&lt;float&gt; result = lstm.ForwardSequence(x);   // x [3, 5, 4] → Output [3, 5, 6], States [h, c] of [3, 6]
/// </code>
/// </example>
public sealed class Lstm<T> : RecurrentLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer; arguments and defaults as in Keras.</summary>
    public Lstm(int units, string? activation = "tanh", string? recurrentActivation = "sigmoid", bool useBias = true,
        bool unitForgetBias = true, bool returnSequences = false, bool returnState = false, bool goBackwards = false,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        double dropout = 0, double recurrentDropout = 0, bool stateful = false, int? seed = null, string? name = null)
        : base(units, returnSequences, returnState, goBackwards, useBias, kernelInitializer ?? Initializer.GlorotUniform,
            recurrentInitializer ?? Initializer.Orthogonal, biasInitializer ?? Initializer.Zeros, seed, name, "lstm",
            dropout, recurrentDropout, stateful)
    {
        Activation = Activation<T>.FromName(activation);
        RecurrentActivation = Activation<T>.FromName(recurrentActivation);
        UnitForgetBias = unitForgetBias;
    }

    /// <summary>The cell activation φ (tanh).</summary>
    public Activation<T> Activation { get; }

    /// <summary>The gate activation σ (sigmoid).</summary>
    public Activation<T> RecurrentActivation { get; }

    /// <summary>Start the forget gate's bias at 1 (Jozefowicz et al. 2015), as Keras does by default.</summary>
    public bool UnitForgetBias { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> StateNames => HiddenAndCell;

    private static readonly string[] HiddenAndCell = ["h", "c"];

    /// <inheritdoc/>
    public override string TypeName => "LSTM";

    /// <inheritdoc/>
    protected override RecurrentCell<T> CreateCell(int inputSize) =>
        new LstmCell<T>(inputSize, Units, Activation, RecurrentActivation, UseBias);

    /// <inheritdoc/>
    protected override void InitializeBias(Tensor<T> bias, Random random)
    {
        base.InitializeBias(bias, random);
        if (UnitForgetBias) bias.Span.Slice(Units, Units).Fill(T.One);
    }

    /// <inheritdoc/>
    protected internal override RecurrentLayer<T> CloneWith(string name, bool goBackwards) =>
        new Lstm<T>(Units, Activation.Name, RecurrentActivation.Name, UseBias, UnitForgetBias, ReturnSequences, ReturnState,
            goBackwards, KernelInitializer, RecurrentInitializer, BiasInitializer, Dropout, RecurrentDropout, Stateful, Seed + 1, name);
}
