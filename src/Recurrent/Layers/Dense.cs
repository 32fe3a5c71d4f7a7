using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Initializers;
using Recurrent.Kernels;
using Recurrent.Kernels.Activations;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>Dense</c>: y = activation(x·kernel + bias) on the last axis, so [B, F] → [B, units] and
/// [B, T, F] → [B, T, units] (the same weights at every step, as Keras does).
/// </summary>
/// <example>
/// <code>
/// var dense = new Dense&lt;float&gt;(1);
/// Tensor&lt;float&gt; y = dense.Forward(h);   // h [3, 4] → y [3, 1]
/// </code>
/// </example>
public sealed class Dense<T> : Layer<T>, IFusedOutput<T> where T : struct, IFloatingPointIeee754<T>
{
    private Parameter<T>? _kernel, _bias;
    private Parameter<T>[] _parameters = [];
    private Tensor<T>? _input, _preActivation, _output;
    // Reused from one training step to the next (see Layer.Forward): results of training calls and gradients.
    private readonly ShapeCache<Tensor<T>> _trainingPreActivation = new(), _trainingOutput = new(), _preGradient = new(), _inputGradient = new();

    /// <summary>Creates the layer; arguments and defaults as in Keras (glorot_uniform kernel, zero bias, no activation).</summary>
    public Dense(int units, string? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, int? seed = null, string? name = null) : base(name, "dense", seed)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{Name}: units must be positive.");
        Units = units;
        Activation = Activation<T>.FromName(activation);
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <summary>The activation applied to x·kernel + bias.</summary>
    public Activation<T> Activation { get; }

    /// <summary>Whether the layer has a bias.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <inheritdoc/>
    public override string TypeName => "Dense";

    /// <inheritdoc/>
    public override bool IsBuilt => _kernel is not null;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    private int InputSize => _kernel!.Value.Dim(0);

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length == 0 || inputShape[^1] <= 0)
            throw new ShapeException($"{Name}: expected input with a known last axis [..., features], got shape [batch, {string.Join(", ", inputShape.ToArray())}].");
        _kernel = new Parameter<T>("kernel", Tensor<T>.Zeros(inputShape[^1], Units));
        KernelInitializer.Fill(_kernel.Value, Random);
        if (UseBias)
        {
            _bias = new Parameter<T>("bias", Tensor<T>.Zeros(Units));
            BiasInitializer.Fill(_bias.Value, Random);
        }
        _parameters = _bias is null ? [_kernel] : [_kernel, _bias];
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => [.. inputShape[..^1], Units];

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (weights.Count == 0 || weights[0].Rank != 2)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs a kernel of rank 2 [input, units] first, got {(weights.Count == 0 ? "no weights" : weights[0].ShapeText)}.");
        Build([weights[0].Dim(0)]);
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ShapeException($"{Name}: expected input of rank 2 or more [batch, ..., features], got shape {input.ShapeText}.");
        if (!IsBuilt) Build(input.Shape[1..]);
        if (input.Dim(input.Rank - 1) != InputSize)
            throw new ShapeException($"{Name}: expected input shape [..., {InputSize}], got {input.ShapeText}.");
        int rows = input.Length / InputSize;
        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        shape[^1] = Units;
        Tensor<T> preActivation = training ? _trainingPreActivation.Get(shape) : Tensor<T>.Zeros(shape.ToArray());
        PreActivate(input.Span, rows, preActivation.Span);
        Tensor<T> output = training ? _trainingOutput.Get(shape) : Tensor<T>.Zeros(shape.ToArray());
        Activation.ForwardRows(preActivation.Span, output.Span, Units);
        (_input, _preActivation, _output) = (input, preActivation, output);
        return output;
    }

    /// <summary>
    /// x·kernel + bias for <paramref name="rows"/> rows of the layer's input size, written into
    /// <paramref name="preActivation"/> with nothing kept for a backward pass: a decoder step's allocation-free use.
    /// </summary>
    internal void PreActivate(ReadOnlySpan<T> input, int rows, Span<T> preActivation)
    {
        Gemm.Multiply(false, false, rows, Units, InputSize, T.One, input, InputSize, _kernel!.Value.Data, Units, T.Zero, preActivation, Units);
        if (_bias is null) return;
        for (int r = 0; r < rows; r++)
        {
            Span<T> row = preActivation.Slice(r * Units, Units);
            TensorPrimitives.Add(row, _bias.Value.Span, row);
        }
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient) => BackwardFromPreActivation(PreActivationGradient(outputGradient));

    /// <inheritdoc/>
    protected internal override void BackwardWithoutInputGradient(Tensor<T> outputGradient) =>
        AccumulateWeightGradients(PreActivationGradient(outputGradient));

    Activation<T> IFusedOutput<T>.OutputActivation => Activation;

    Tensor<T> IFusedOutput<T>.PreActivation => _preActivation ?? throw new InvalidOperationException($"{Name}: no forward pass yet.");

    /// <summary>Backward from dLoss/d(x·kernel + bias): weight gradients accumulate; returns dLoss/dx.</summary>
    public Tensor<T> BackwardFromPreActivation(Tensor<T> preGradient)
    {
        Tensor<T> input = AccumulateWeightGradients(preGradient);
        int rows = input.Length / InputSize;
        Tensor<T> inputGradient = _inputGradient.Get(input.Shape);
        Gemm.Multiply(false, true, rows, InputSize, Units, T.One, preGradient.Data, Units, _kernel!.Value.Data, Units, T.Zero, inputGradient.Data, InputSize);
        return inputGradient;
    }

    // dLoss/d(x·kernel + bias) from dLoss/d(output), through the activation.
    private Tensor<T> PreActivationGradient(Tensor<T> outputGradient)
    {
        if (_input is null) throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        outputGradient.RequireShapeOf(Name, "output gradient", _output!);
        Tensor<T> preGradient = _preGradient.Get(outputGradient.Shape);
        Activation.BackwardRows(_preActivation!.Span, _output!.Span, outputGradient.Span, preGradient.Span, Units);
        return preGradient;
    }

    // dKernel += xᵀ · dPre, dBias += column sums of dPre; returns the input of the last forward pass.
    private Tensor<T> AccumulateWeightGradients(Tensor<T> preGradient)
    {
        Tensor<T> input = _input ?? throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        preGradient.RequireShapeOf(Name, "pre-activation gradient", _preActivation!);
        int rows = input.Length / InputSize;
        Gemm.Multiply(true, false, InputSize, Units, rows, T.One, input.Data, InputSize, preGradient.Data, Units, T.One, _kernel!.Gradient.Data, Units);
        if (_bias is not null)
            for (int r = 0; r < rows; r++)
                TensorPrimitives.Add(_bias.Gradient.Span, preGradient.Span.Slice(r * Units, Units), _bias.Gradient.Span);
        return input;
    }
}
