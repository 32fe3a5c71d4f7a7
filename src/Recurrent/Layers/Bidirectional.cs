using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>How <see cref="Bidirectional{T}"/> combines the forward and backward outputs (Keras' <c>merge_mode</c>).</summary>
public enum MergeMode
{
    /// <summary>Concatenate along features: [..., 2H] (Keras' default; PyTorch's bidirectional layout).</summary>
    Concat,
    /// <summary>Elementwise sum.</summary>
    Sum,
    /// <summary>Elementwise product.</summary>
    Mul,
    /// <summary>Elementwise mean.</summary>
    Ave,
    /// <summary>No merge: two outputs, forward then backward.</summary>
    None,
}

/// <summary>
/// Keras' <c>Bidirectional</c> wrapper: runs a copy of the layer forwards and one backwards in time and merges them.
/// With <c>return_sequences</c> the backward outputs are flipped back so that step t of both describes input step t.
/// Weights are the forward layer's followed by the backward layer's; states likewise.
/// </summary>
/// <example>
/// <code>
/// var bi = new Bidirectional&lt;float&gt;(new Lstm&lt;float&gt;(6, returnSequences: true));
/// Tensor&lt;float&gt; y = bi.Forward(x);   // x [3, 5, 4] → y [3, 5, 12]
/// </code>
/// </example>
public sealed class Bidirectional<T> : Layer<T>, ISequenceLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Tensor<T>? _forwardOutput, _backwardOutput;

    /// <summary>
    /// Wraps <paramref name="layer"/> (which becomes the forward layer); the backward layer is a fresh copy of its
    /// configuration with the opposite <c>go_backwards</c> unless <paramref name="backwardLayer"/> is given.
    /// </summary>
    public Bidirectional(RecurrentLayer<T> layer, MergeMode mergeMode = MergeMode.Concat, RecurrentLayer<T>? backwardLayer = null,
        string? name = null) : base(name, "bidirectional")
    {
        ArgumentNullException.ThrowIfNull(layer);
        ForwardLayer = layer;
        BackwardLayer = backwardLayer ?? layer.CloneWith("backward_" + layer.Name, !layer.GoBackwards);
        if (BackwardLayer.GoBackwards == ForwardLayer.GoBackwards || BackwardLayer.ReturnSequences != ForwardLayer.ReturnSequences
            || BackwardLayer.ReturnState != ForwardLayer.ReturnState || BackwardLayer.GetType() != ForwardLayer.GetType())
            throw new ArgumentException($"{Name}: the backward layer must be of the same type with the same return_sequences and return_state, and the opposite go_backwards.");
        // Keras: a bidirectional layer that returns sequences outputs zeros at masked steps.
        ForwardLayer.ZeroOutputForMask = BackwardLayer.ZeroOutputForMask = layer.ReturnSequences;
        MergeMode = mergeMode;
    }

    /// <summary>The layer run forwards in time.</summary>
    public RecurrentLayer<T> ForwardLayer { get; }

    /// <summary>The layer run backwards in time.</summary>
    public RecurrentLayer<T> BackwardLayer { get; }

    /// <inheritdoc/>
    internal override IEnumerable<Layer<T>> InnerLayers => [ForwardLayer, BackwardLayer];

    /// <summary>How the two outputs are combined.</summary>
    public MergeMode MergeMode { get; }

    /// <summary>Whether the wrapped layers return every step.</summary>
    public bool ReturnSequences => ForwardLayer.ReturnSequences;

    /// <inheritdoc/>
    public override string TypeName => "Bidirectional";

    /// <inheritdoc/>
    public override bool IsBuilt => ForwardLayer.IsBuilt && BackwardLayer.IsBuilt;

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        ForwardLayer.Build(inputShape);
        BackwardLayer.Build(inputShape);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        int[] shape = ForwardLayer.ComputeOutputShape(inputShape);
        if (MergeMode == MergeMode.Concat) shape[^1] *= 2;
        return shape;
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        if (MergeMode == MergeMode.None)
            throw new InvalidOperationException($"{Name}: merge_mode none has two outputs; use ForwardSequence.");
        outputMask = ReturnSequences ? mask : null;
        return ForwardSequence(input, mask: mask, training: training).Output;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => [.. ForwardLayer.Parameters, .. BackwardLayer.Parameters];

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (weights.Count == 0 || weights[0].Rank != 2)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs a kernel of rank 2 first, got {(weights.Count == 0 ? "no weights" : weights[0].ShapeText)}.");
        ForwardLayer.Build(weights[0].Dim(0));
        BackwardLayer.Build(weights[0].Dim(0));
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        RecurrentOutput<T> result = ForwardSequence(input, training: training);
        if (MergeMode == MergeMode.None)
            throw new InvalidOperationException($"{Name}: merge_mode none has two outputs; use ForwardSequence.");
        return result.Output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient) => BackwardSequence([outputGradient]).Input;

    /// <summary>
    /// Runs both directions. <paramref name="initialState"/> lists the forward layer's states then the backward layer's
    /// (as Keras); <paramref name="mask"/> is [B, T] in input time order.
    /// </summary>
    public RecurrentOutput<T> ForwardSequence(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState = null,
        bool[,]? mask = null, bool training = false)
    {
        IReadOnlyList<Tensor<T>>? forwardState = null, backwardState = null;
        if (initialState is not null)
        {
            if (initialState.Count % 2 != 0)
                throw new ShapeException($"{Name}: expected an even number of initial state tensors (forward then backward), got {initialState.Count}.");
            forwardState = initialState.Take(initialState.Count / 2).ToArray();
            backwardState = initialState.Skip(initialState.Count / 2).ToArray();
        }
        RecurrentOutput<T> forward = ForwardLayer.ForwardSequence(input, forwardState, mask, training);
        RecurrentOutput<T> backward = BackwardLayer.ForwardSequence(input, backwardState, mask, training);
        _forwardOutput = forward.Output;
        _backwardOutput = ReturnSequences ? ReverseTime(backward.Output) : backward.Output;
        IReadOnlyList<Tensor<T>> outputs = MergeMode == MergeMode.None
            ? [_forwardOutput, _backwardOutput]
            : [Merge(_forwardOutput, _backwardOutput)];
        return new RecurrentOutput<T>(outputs, [.. forward.States, .. backward.States]);
    }

    /// <summary>
    /// Backpropagates: <paramref name="outputGradients"/> has one tensor (two for merge_mode none, null = zero);
    /// <paramref name="stateGradients"/> lists the forward layer's final-state gradients then the backward layer's.
    /// </summary>
    public RecurrentGradients<T> BackwardSequence(IReadOnlyList<Tensor<T>?> outputGradients, IReadOnlyList<Tensor<T>?>? stateGradients = null)
    {
        Tensor<T> forwardOutput = _forwardOutput ?? throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        Tensor<T> backwardOutput = _backwardOutput!;
        int expected = MergeMode == MergeMode.None ? 2 : 1;
        if (outputGradients.Count != expected)
            throw new ShapeException($"{Name}: expected {expected} output gradient(s), got {outputGradients.Count}.");
        (Tensor<T>? forwardGradient, Tensor<T>? backwardGradient) = MergeMode == MergeMode.None
            ? (outputGradients[0], outputGradients[1])
            : Split(outputGradients[0], forwardOutput, backwardOutput);
        if (ReturnSequences && backwardGradient is not null) backwardGradient = ReverseTime(backwardGradient);

        IReadOnlyList<Tensor<T>?>? forwardStates = null, backwardStates = null;
        if (stateGradients is not null)
        {
            int half = ForwardLayer.Cell.StateCount;
            if (stateGradients.Count != 2 * half)
                throw new ShapeException($"{Name}: expected {2 * half} state gradients (forward then backward), got {stateGradients.Count}.");
            forwardStates = stateGradients.Take(half).ToArray();
            backwardStates = stateGradients.Skip(half).ToArray();
        }
        RecurrentGradients<T> forward = ForwardLayer.BackwardSequence(forwardGradient, forwardStates);
        RecurrentGradients<T> backward = BackwardLayer.BackwardSequence(backwardGradient, backwardStates);
        Span<T> input = forward.Input.Span;
        ReadOnlySpan<T> other = backward.Input.Span;
        for (int i = 0; i < input.Length; i++) input[i] += other[i];
        return new RecurrentGradients<T>(forward.Input, [.. forward.InitialStates, .. backward.InitialStates]);
    }

    private Tensor<T> Merge(Tensor<T> forward, Tensor<T> backward)
    {
        ReadOnlySpan<T> f = forward.Span, b = backward.Span;
        if (MergeMode == MergeMode.Concat)
        {
            int units = forward.Dim(forward.Rank - 1), rows = forward.Length / units;
            int[] shape = forward.Shape.ToArray();
            shape[^1] = 2 * units;
            var merged = Tensor<T>.Zeros(shape);
            for (int r = 0; r < rows; r++)
            {
                f.Slice(r * units, units).CopyTo(merged.Span.Slice(2 * r * units));
                b.Slice(r * units, units).CopyTo(merged.Span.Slice((2 * r + 1) * units));
            }
            return merged;
        }
        var result = Tensor<T>.Zeros(forward.Shape.ToArray());
        Span<T> y = result.Span;
        T half = T.CreateChecked(0.5);
        for (int i = 0; i < y.Length; i++)
            y[i] = MergeMode switch
            {
                MergeMode.Sum => f[i] + b[i],
                MergeMode.Mul => f[i] * b[i],
                _ => (f[i] + b[i]) * half,
            };
        return result;
    }

    private (Tensor<T>? Forward, Tensor<T>? Backward) Split(Tensor<T>? gradient, Tensor<T> forward, Tensor<T> backward)
    {
        if (gradient is null) return (null, null);
        int[] shape = forward.Shape.ToArray();
        if (MergeMode == MergeMode.Concat) shape[^1] *= 2;
        gradient.RequireShape(Name, "output gradient", shape);
        var forwardGradient = Tensor<T>.Zeros(forward.Shape.ToArray());
        var backwardGradient = Tensor<T>.Zeros(forward.Shape.ToArray());
        ReadOnlySpan<T> g = gradient.Span, f = forward.Span, b = backward.Span;
        Span<T> df = forwardGradient.Span, db = backwardGradient.Span;
        int units = forward.Dim(forward.Rank - 1);
        T half = T.CreateChecked(0.5);
        for (int i = 0; i < df.Length; i++)
        {
            (df[i], db[i]) = MergeMode switch
            {
                MergeMode.Concat => (g[i / units * 2 * units + i % units], g[i / units * 2 * units + units + i % units]),
                MergeMode.Sum => (g[i], g[i]),
                MergeMode.Mul => (g[i] * b[i], g[i] * f[i]),
                _ => (g[i] * half, g[i] * half),
            };
        }
        return (forwardGradient, backwardGradient);
    }

    private static Tensor<T> ReverseTime(Tensor<T> sequence)
    {
        int batch = sequence.Dim(0), steps = sequence.Dim(1), features = sequence.Dim(2);
        var reversed = Tensor<T>.Zeros(batch, steps, features);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                sequence.Data.AsSpan((b * steps + t) * features, features)
                    .CopyTo(reversed.Data.AsSpan((b * steps + steps - 1 - t) * features));
        return reversed;
    }
}
