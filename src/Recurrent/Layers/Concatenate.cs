using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>Concatenate(axis=-1)</c>: joins tensors that agree on every axis but the last, along the last
/// ([B, T, 4] and [B, T, 6] → [B, T, 10]). The output is real where every input is (the masks are ANDed, as Keras does).
/// </summary>
/// <example>
/// <code>
/// GraphTensor&lt;float&gt; joined = new Concatenate&lt;float&gt;().Call([context, decoded]);   // (None, None, 64) + (None, None, 64) → (None, None, 128)
/// </code>
/// </example>
public sealed class Concatenate<T>(string? name = null) : WeightlessLayer<T>(name, "concatenate"), IMultiInputLayer<T>
    where T : struct, IFloatingPointIeee754<T>
{
    private int[] _widths = [];
    private readonly ShapeCache<Tensor<T>> _trainingOutput = new();
    private bool[,]? _trainingMask;
    private ShapeCache<Tensor<T>>[] _gradients = [];

    /// <inheritdoc/>
    public override string TypeName => "Concatenate";

    /// <inheritdoc/>
    public int OutputCount => 1;

    /// <inheritdoc/>
    public void Build(IReadOnlyList<int[]> inputShapes) => ComputeOutputShapes(inputShapes);

    /// <inheritdoc/>
    public int[][] ComputeOutputShapes(IReadOnlyList<int[]> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count < 2)
            throw new ShapeException($"{Name}: expected at least 2 inputs to join, got {inputShapes.Count}.");
        int[] first = inputShapes[0];
        int width = 0;
        foreach (int[] shape in inputShapes)
        {
            if (shape.Length == 0 || shape.Length != first.Length || !Agree(shape.AsSpan(..^1), first.AsSpan(..^1)) || shape[^1] < 0)
                throw new ShapeException($"{Name}: inputs must agree on every axis but the last, which must be known; got {string.Join(" and ", inputShapes.Select(Text))}.");
            width += shape[^1];
        }
        return [[.. first[..^1], width]];
    }

    private static bool Agree(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i] && a[i] >= 0 && b[i] >= 0) return false;
        return true;
    }

    private static string Text(int[] shape) => "(None" + string.Concat(shape.Select(d => d < 0 ? ", None" : $", {d}")) + ")";

    /// <summary>Concatenate needs several inputs; a single one is refused.</summary>
    /// <exception cref="ShapeException">Always.</exception>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => ComputeOutputShapes([inputShape.ToArray()])[0];

    /// <summary>Concatenate needs several inputs: use <see cref="ForwardInputs"/> or <c>Call([a, b])</c> in a functional model.</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false) =>
        throw new InvalidOperationException($"{Name}: Concatenate joins several tensors; apply it to a list (Call([a, b]) in a functional model).");

    /// <inheritdoc cref="Forward(Tensor{T}, bool)"/>
    public override Tensor<T> Backward(Tensor<T> outputGradient) => Forward(outputGradient);

    /// <inheritdoc/>
    public bool[,]? ForwardInputs(ReadOnlySpan<Tensor<T>> inputs, ReadOnlySpan<bool[,]?> masks, bool training, Span<Tensor<T>> outputs)
    {
        Tensor<T> first = inputs[0];
        int rows = first.Length / Math.Max(1, first.Dim(first.Rank - 1)), width = 0;
        if (_widths.Length != inputs.Length) _widths = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            Tensor<T> input = inputs[i];
            if (input.Rank != first.Rank || !input.Shape[..^1].SequenceEqual(first.Shape[..^1]))
                throw new ShapeException($"{Name}: inputs must agree on every axis but the last, got {first.ShapeText} and {input.ShapeText}.");
            _widths[i] = input.Dim(input.Rank - 1);
            width += _widths[i];
        }
        Span<int> shape = stackalloc int[first.Rank];
        first.Shape.CopyTo(shape);
        shape[^1] = width;
        Tensor<T> output = training ? _trainingOutput.Get(shape) : Tensor<T>.Zeros(shape.ToArray());
        for (int r = 0, offset = 0; r < rows; r++)
            for (int i = 0; i < inputs.Length; offset += _widths[i], i++)
                inputs[i].Span.Slice(r * _widths[i], _widths[i]).CopyTo(output.Span.Slice(offset));
        outputs[0] = output;
        return CombinedMask(masks, training);
    }

    // The AND of the inputs' masks (an input without a mask is real everywhere); null when none has one. Training
    // reuses its array from batch to batch; inference hands a new one to the caller.
    private bool[,]? CombinedMask(ReadOnlySpan<bool[,]?> masks, bool training)
    {
        bool[,]? combined = null;
        foreach (bool[,]? mask in masks)
        {
            if (mask is null) continue;
            if (combined is null || ReferenceEquals(combined, mask)) { combined ??= mask; continue; }
            if (combined.GetLength(0) != mask.GetLength(0) || combined.GetLength(1) != mask.GetLength(1)) continue;
            bool reuse = training && _trainingMask is not null && !ReferenceEquals(_trainingMask, mask)
                && _trainingMask.GetLength(0) == mask.GetLength(0) && _trainingMask.GetLength(1) == mask.GetLength(1);
            bool[,] both = reuse ? _trainingMask! : new bool[mask.GetLength(0), mask.GetLength(1)];
            if (training) _trainingMask = both;
            for (int b = 0; b < mask.GetLength(0); b++)
                for (int t = 0; t < mask.GetLength(1); t++) both[b, t] = combined[b, t] && mask[b, t];
            combined = both;
        }
        return combined;
    }

    /// <inheritdoc/>
    public void BackwardInputs(ReadOnlySpan<Tensor<T>?> outputGradients, Span<Tensor<T>?> inputGradients)
    {
        if (_widths.Length == 0) throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        if (outputGradients[0] is not Tensor<T> gradient)
        {
            inputGradients.Clear();
            return;
        }
        if (_gradients.Length != _widths.Length) _gradients = [.. _widths.Select(_ => new ShapeCache<Tensor<T>>())];
        int width = gradient.Dim(gradient.Rank - 1), rows = gradient.Length / width;
        Span<int> shape = stackalloc int[gradient.Rank];
        gradient.Shape.CopyTo(shape);
        for (int i = 0, start = 0; i < _widths.Length; start += _widths[i], i++)
        {
            shape[^1] = _widths[i];
            Tensor<T> part = _gradients[i].Get(shape);
            for (int r = 0; r < rows; r++)
                gradient.Span.Slice(r * width + start, _widths[i]).CopyTo(part.Span.Slice(r * _widths[i]));
            inputGradients[i] = part;
        }
    }
}
