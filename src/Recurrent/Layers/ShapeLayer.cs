using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>A layer without weights: always built, nothing to initialise or set.</summary>
public abstract class WeightlessLayer<T> : Layer<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Names the layer.</summary>
    protected WeightlessLayer(string? name, string prefix, int? seed = null) : base(name, prefix, seed) { }

    /// <inheritdoc/>
    public override bool IsBuilt => true;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => [];

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape) { }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights) { }
}

/// <summary>A layer that only moves values around (RepeatVector, Flatten).</summary>
public abstract class ShapeLayer<T> : WeightlessLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private int[] _inputShape = [];

    /// <summary>Names the layer.</summary>
    protected ShapeLayer(string? name, string prefix) : base(name, prefix) { }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        _inputShape = input.Shape.ToArray();
        return Move(input);
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        if (_inputShape.Length == 0) throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        return MoveBack(outputGradient, _inputShape);
    }

    /// <summary>The forward rearrangement.</summary>
    protected abstract Tensor<T> Move(Tensor<T> input);

    /// <summary>The gradient of <see cref="Move"/>: each input element receives the sum of its copies' gradients.</summary>
    protected abstract Tensor<T> MoveBack(Tensor<T> outputGradient, int[] inputShape);
}

/// <summary>Keras' <c>RepeatVector</c>: [B, F] → [B, n, F] (e.g. an encoder's summary fed to every decoder step).</summary>
/// <example><code>var repeat = new RepeatVector&lt;float&gt;(5);   // [3, 8] → [3, 5, 8]</code></example>
public sealed class RepeatVector<T>(int n, string? name = null) : ShapeLayer<T>(name, "repeat_vector") where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Number of copies.</summary>
    public int N { get; } = n > 0 ? n : throw new ArgumentOutOfRangeException(nameof(n), n, "RepeatVector: n must be positive.");

    /// <inheritdoc/>
    public override string TypeName => "RepeatVector";

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => [N, .. inputShape];

    /// <inheritdoc/>
    protected override Tensor<T> Move(Tensor<T> input)
    {
        if (input.Rank != 2) throw new ShapeException($"{Name}: expected input of rank 2 [batch, features], got shape {input.ShapeText}.");
        int batch = input.Dim(0), features = input.Dim(1);
        var output = Tensor<T>.Zeros(batch, N, features);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < N; t++)
                input.Span.Slice(b * features, features).CopyTo(output.Span.Slice((b * N + t) * features));
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor<T> MoveBack(Tensor<T> outputGradient, int[] inputShape)
    {
        int batch = inputShape[0], features = inputShape[1];
        outputGradient.RequireShape(Name, "output gradient", batch, N, features);
        var inputGradient = Tensor<T>.Zeros(inputShape);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < N; t++)
                for (int f = 0; f < features; f++)
                    inputGradient.Span[b * features + f] += outputGradient.Span[(b * N + t) * features + f];
        return inputGradient;
    }
}

/// <summary>Keras' <c>Flatten</c>: [B, d1, d2, ...] → [B, d1·d2·...].</summary>
/// <example><code>var flatten = new Flatten&lt;float&gt;();   // [3, 5, 8] → [3, 40]</code></example>
public sealed class Flatten<T>(string? name = null) : ShapeLayer<T>(name, "flatten") where T : struct, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override string TypeName => "Flatten";

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        int size = 1;
        foreach (int d in inputShape) size = d < 0 || size < 0 ? -1 : size * d;
        return [size];
    }

    /// <inheritdoc/>
    protected override Tensor<T> Move(Tensor<T> input)
    {
        if (input.Rank < 1) throw new ShapeException($"{Name}: expected input with a batch axis, got shape {input.ShapeText}.");
        return input.Clone().Reshape(input.Dim(0), input.Dim(0) == 0 ? 0 : input.Length / input.Dim(0));
    }

    /// <inheritdoc/>
    protected override Tensor<T> MoveBack(Tensor<T> outputGradient, int[] inputShape)
    {
        if (outputGradient.Length != inputShape.Aggregate(1, (a, d) => a * d))
            throw new ShapeException($"{Name}: output gradient expected {inputShape.Aggregate(1, (a, d) => a * d)} elements, got shape {outputGradient.ShapeText}.");
        return outputGradient.Clone().Reshape(inputShape);
    }
}
