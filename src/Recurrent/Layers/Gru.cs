using System.Numerics;
using Recurrent.Cells;
using Recurrent.Initializers;
using Recurrent.Kernels.Activations;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>GRU</c> (gate order z, r, h). <c>resetAfter: true</c> (default, as Keras 3, PyTorch and cuDNN) applies
/// the reset gate after the recurrent product and has a bias of shape [2, 3·units]; <c>false</c> is the original form
/// (Keras 2 default) with bias [3·units].
/// </summary>
/// <example>
/// <code>
/// var gru = new Gru&lt;float&gt;(units: 6, resetAfter: false);
/// Tensor&lt;float&gt; h = gru.Forward(x);   // x [3, 5, 4] → h [3, 6]
/// </code>
/// </example>
public sealed class Gru<T> : RecurrentLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer; arguments and defaults as in Keras 3.</summary>
    public Gru(int units, string? activation = "tanh", string? recurrentActivation = "sigmoid", bool useBias = true,
        bool resetAfter = true, bool returnSequences = false, bool returnState = false, bool goBackwards = false,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        double dropout = 0, double recurrentDropout = 0, bool stateful = false, int? seed = null, string? name = null)
        : base(units, returnSequences, returnState, goBackwards, useBias, kernelInitializer ?? Initializer.GlorotUniform,
            recurrentInitializer ?? Initializer.Orthogonal, biasInitializer ?? Initializer.Zeros, seed, name, "gru",
            dropout, recurrentDropout, stateful)
    {
        Activation = Activation<T>.FromName(activation);
        RecurrentActivation = Activation<T>.FromName(recurrentActivation);
        ResetAfter = resetAfter;
    }

    /// <summary>The candidate activation φ (tanh).</summary>
    public Activation<T> Activation { get; }

    /// <summary>The gate activation σ (sigmoid).</summary>
    public Activation<T> RecurrentActivation { get; }

    /// <summary>Which GRU form (see the class summary).</summary>
    public bool ResetAfter { get; }

    /// <inheritdoc/>
    public override string TypeName => "GRU";

    /// <inheritdoc/>
    protected override RecurrentCell<T> CreateCell(int inputSize) =>
        new GruCell<T>(inputSize, Units, Activation, RecurrentActivation, ResetAfter, UseBias);

    /// <inheritdoc/>
    protected internal override RecurrentLayer<T> CloneWith(string name, bool goBackwards) =>
        new Gru<T>(Units, Activation.Name, RecurrentActivation.Name, UseBias, ResetAfter, ReturnSequences, ReturnState,
            goBackwards, KernelInitializer, RecurrentInitializer, BiasInitializer, Dropout, RecurrentDropout, Stateful, Seed + 1, name);
}
