using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Data;

/// <summary>
/// Deterministic train / test splits as index arrays. Without shuffling the test part is the last samples, which
/// keeps a time series in order (as Keras' <c>validation_split</c>); with shuffling a seeded Fisher–Yates permutation
/// decides, so the same seed gives the same split.
/// </summary>
/// <example>
/// <code>
/// var (train, test) = Split.TrainTest(x.Dim(0), testFraction: 0.2, shuffle: true, seed: 42);
/// Tensor&lt;float&gt; xTrain = Split.Rows(x, train), xTest = Split.Rows(x, test);
/// </code>
/// </example>
public static class Split
{
    /// <summary>
    /// Splits <paramref name="count"/> samples, holding out a fraction for testing: the training part is
    /// floor(count · (1 − testFraction)) samples, as <c>Fit</c>'s <c>validationSplit</c> counts it, the rest is the test part.
    /// </summary>
    /// <param name="count">The number of samples.</param>
    /// <param name="testFraction">The share for testing, in (0, 1).</param>
    /// <param name="shuffle">Permute the samples first; otherwise the test part is the last samples.</param>
    /// <param name="seed">The seed of the permutation; null draws a different one each time.</param>
    /// <returns>The training and test indices, each in the order the samples should be used.</returns>
    /// <exception cref="ArgumentException">The fraction is outside (0, 1) or leaves a part empty.</exception>
    public static (int[] Train, int[] Test) TrainTest(int count, double testFraction, bool shuffle = false, int? seed = null)
    {
        if (!(testFraction is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Split.TrainTest: testFraction must be between 0 and 1 (exclusive).");
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Split.TrainTest: count must not be negative.");
        int trainCount = (int)Math.Floor(count * (1 - testFraction));
        return TrainTest(count, count - trainCount, shuffle, seed);
    }

    /// <summary>Splits <paramref name="count"/> samples, holding out <paramref name="testCount"/> of them for testing.</summary>
    /// <param name="count">The number of samples.</param>
    /// <param name="testCount">The number of test samples, from 1 to count − 1.</param>
    /// <param name="shuffle">Permute the samples first; otherwise the test part is the last samples.</param>
    /// <param name="seed">The seed of the permutation; null draws a different one each time.</param>
    /// <returns>The training and test indices, each in the order the samples should be used.</returns>
    /// <exception cref="ArgumentException">The split leaves a part empty.</exception>
    public static (int[] Train, int[] Test) TrainTest(int count, int testCount, bool shuffle = false, int? seed = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Split.TrainTest: count must not be negative.");
        if (testCount < 1 || testCount >= count)
            throw new ArgumentException($"Split.TrainTest: {testCount} test samples out of {count} leaves an empty training or test part.", nameof(testCount));
        int[] order = Enumerable.Range(0, count).ToArray();
        if (shuffle)
        {
            var random = seed is int s ? new Random(s) : new Random();
            for (int i = count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return (order[..(count - testCount)], order[(count - testCount)..]);
    }

    /// <summary>The rows (entries of the first axis) of <paramref name="data"/> at <paramref name="indices"/>, copied in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the first axis; the message names it.</exception>
    public static Tensor<T> Rows<T>(Tensor<T> data, ReadOnlySpan<int> indices) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rank == 0) throw new ShapeException("Split.Rows: the data must have a first axis, got a scalar.");
        int rowLength = data.Dim(0) == 0 ? 0 : data.Length / data.Dim(0);
        int[] shape = data.Shape.ToArray();
        shape[0] = indices.Length;
        var result = Tensor<T>.Zeros(shape);
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)data.Dim(0))
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"Split.Rows: index {indices[i]} (position {i}) is outside the {data.Dim(0)} rows of {data.ShapeText}.");
            data.Span.Slice(indices[i] * rowLength, rowLength).CopyTo(result.Span.Slice(i * rowLength, rowLength));
        }
        return result;
    }
}
