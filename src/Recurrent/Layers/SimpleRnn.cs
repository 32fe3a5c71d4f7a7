using System.Numerics;
using Recurrent.Cells;
using Recurrent.Initializers;
using Recurrent.Kernels.Activations;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>SimpleRNN</c>: h_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias).
/// </summary>
/// <example>
/// <code>
/// var rnn = new SimpleRnn&lt;float&gt;(units: 3, activation: null, returnSequences: true);
/// Tensor&lt;float&gt; y = rnn.Forward(x);   // x [1, 3, 2] → y [1, 3, 3]
/// </code>
/// </example>
public sealed class SimpleRnn<T> : RecurrentLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer; arguments and defaults as in Keras. <paramref name="activation"/> null means linear.</summary>
    public SimpleRnn(int units, string? activation = "tanh", bool useBias = true, bool returnSequences = false,
        bool returnState = false, bool goBackwards = false, Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null, Initializer? biasInitializer = null, double dropout = 0, double recurrentDropout = 0, bool stateful = false,
        int? seed = null, string? name = null)
        : base(units, returnSequences, returnState, goBackwards, useBias, kernelInitializer ?? Initializer.GlorotUniform,
            recurrentInitializer ?? Initializer.Orthogonal, biasInitializer ?? Initializer.Zeros, seed, name, "simple_rnn",
            dropout, recurrentDropout, stateful)
    {
        Activation = Activation<T>.FromName(activation);
    }

    /// <summary>The activation f.</summary>
    public Activation<T> Activation { get; }

    /// <inheritdoc/>
    public override string TypeName => "SimpleRNN";

    /// <inheritdoc/>
    protected override RecurrentCell<T> CreateCell(int inputSize) => new SimpleRnnCell<T>(inputSize, Units, Activation, UseBias);

    /// <inheritdoc/>
    protected internal override RecurrentLayer<T> CloneWith(string name, bool goBackwards) =>
        new SimpleRnn<T>(Units, Activation.Name, UseBias, ReturnSequences, ReturnState, goBackwards,
            KernelInitializer, RecurrentInitializer, BiasInitializer, Dropout, RecurrentDropout, Stateful, Seed + 1, name);
}
