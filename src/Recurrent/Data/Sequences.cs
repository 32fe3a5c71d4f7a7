using System.Globalization;
using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Data;

/// <summary>Where <see cref="Sequences.Pad{T}"/> adds padding to a short sequence.</summary>
public enum Padding
{
    /// <summary>Before the sequence (Keras' default "pre"), so the last step is the last token.</summary>
    Pre,

    /// <summary>After the sequence ("post").</summary>
    Post,
}

/// <summary>Where <see cref="Sequences.Pad{T}"/> cuts a long sequence.</summary>
public enum Truncating
{
    /// <summary>Drop tokens from the start (Keras' default "pre"), keeping the end.</summary>
    Pre,

    /// <summary>Drop tokens from the end ("post").</summary>
    Post,
}

/// <summary>
/// Sequence utilities as in Keras: <c>pad_sequences</c>, <c>to_categorical</c>, and the n-gram prefixes used to
/// train next-word models.
/// </summary>
/// <example>
/// <code>
/// List&lt;int[]&gt; grams = Sequences.NGrams(tokenizer.TextsToSequences(lines));
/// Tensor&lt;float&gt; padded = Sequences.Pad&lt;float&gt;(grams);          // [n, longest]
/// Tensor&lt;float&gt; y = Sequences.ToCategorical(labels, numClasses: 3); // labels [n] → [n, 3]
/// </code>
/// </example>
public static class Sequences
{
    /// <summary>
    /// Keras' <c>pad_sequences</c>: the sequences as rows of a [count, maxLength] tensor, each padded with
    /// <paramref name="value"/> or truncated to <paramref name="maxLength"/>. Empty sequences become all padding.
    /// </summary>
    /// <param name="sequences">Id sequences.</param>
    /// <param name="maxLength">The row length; null uses the longest sequence.</param>
    /// <param name="padding">Pad before (default, as Keras) or after.</param>
    /// <param name="truncating">Cut from the start (default, as Keras) or the end.</param>
    /// <param name="value">The padding value.</param>
    /// <returns>A [count, maxLength] tensor.</returns>
    /// <example>
    /// <code>
    /// Sequences.Pad&lt;float&gt;([[1], [2, 3], [4, 5, 6]], maxLength: 2);   // [[0, 1], [2, 3], [5, 6]]
    /// </code>
    /// </example>
    public static Tensor<T> Pad<T>(IReadOnlyList<int[]> sequences, int? maxLength = null, Padding padding = Padding.Pre,
        Truncating truncating = Truncating.Pre, int value = 0) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (maxLength is < 1)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "Sequences.Pad: maxLength must be at least 1, or null for the longest sequence.");
        for (int n = 0; n < sequences.Count; n++)
            if (sequences[n] is null) throw new ArgumentException($"Sequences.Pad: sequence {n} is null.", nameof(sequences));
        int length = maxLength ?? (sequences.Count == 0 ? 0 : sequences.Max(s => s.Length));

        var result = Tensor<T>.Zeros(sequences.Count, length);
        result.Span.Fill(T.CreateChecked(value));
        for (int n = 0; n < sequences.Count; n++)
        {
            ReadOnlySpan<int> kept = sequences[n];
            if (kept.Length > length) kept = truncating == Truncating.Pre ? kept[^length..] : kept[..length];
            Span<T> row = result.Span.Slice(n * length, length);
            Span<T> target = padding == Padding.Pre ? row[^kept.Length..] : row[..kept.Length];
            for (int t = 0; t < kept.Length; t++) target[t] = T.CreateChecked(kept[t]);
        }
        return result;
    }

    /// <summary>
    /// Keras' <c>to_categorical</c> for integer labels: a [count, numClasses] one-hot tensor.
    /// </summary>
    /// <param name="labels">Class ids from 0 to numClasses − 1.</param>
    /// <param name="numClasses">The number of classes; null infers max(label) + 1.</param>
    /// <exception cref="ArgumentException">A label is negative or not below <paramref name="numClasses"/>; the message names its index.</exception>
    public static Tensor<T> ToCategorical<T>(ReadOnlySpan<int> labels, int? numClasses = null) where T : struct, IFloatingPointIeee754<T>
    {
        var classes = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) classes[i] = labels[i];
        return OneHot<T>(classes, [labels.Length], numClasses);
    }

    /// <summary>
    /// Keras' <c>to_categorical</c> for labels stored in a tensor: the one-hot classes become a new last axis, so
    /// [n] → [n, classes] and [n, t] → [n, t, classes]; as in Keras a trailing axis of size 1 is dropped first,
    /// so [n, 1] → [n, classes].
    /// </summary>
    /// <param name="labels">Class ids, whole numbers from 0 to numClasses − 1.</param>
    /// <param name="numClasses">The number of classes; null infers max(label) + 1.</param>
    /// <exception cref="ArgumentException">
    /// A label is not a whole number, is negative, or is not below <paramref name="numClasses"/> (Keras would truncate
    /// or wrap it silently); the message names its index.
    /// </exception>
    public static Tensor<T> ToCategorical<T>(Tensor<T> labels, int? numClasses = null) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        var classes = new int[labels.Length];
        for (int i = 0; i < classes.Length; i++)
        {
            T label = labels.Data[i];
            if (!T.IsInteger(label) || label > T.CreateChecked(int.MaxValue) || label < T.CreateChecked(int.MinValue))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Sequences.ToCategorical: label {label} at index {FlatIndex(labels, i)} is not a whole number in the int range."), nameof(labels));
            classes[i] = int.CreateChecked(label);
        }
        ReadOnlySpan<int> shape = labels.Shape;
        if (shape.Length > 1 && shape[^1] == 1) shape = shape[..^1];
        return OneHot<T>(classes, shape, numClasses, labels);
    }

    /// <summary>
    /// The next-word training prefixes of each sequence: for [a, b, c, d] they are [a, b], [a, b, c] and
    /// [a, b, c, d]. Pad them (pre) and use all but the last column as input and the last as target.
    /// </summary>
    /// <param name="sequences">Id sequences; those shorter than 2 give no prefix.</param>
    /// <returns>The prefixes of the first sequence, then those of the second, and so on.</returns>
    public static List<int[]> NGrams(IReadOnlyList<int[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var grams = new List<int[]>();
        for (int n = 0; n < sequences.Count; n++)
        {
            int[] sequence = sequences[n] ?? throw new ArgumentException($"Sequences.NGrams: sequence {n} is null.", nameof(sequences));
            for (int length = 2; length <= sequence.Length; length++) grams.Add(sequence[..length]);
        }
        return grams;
    }

    private static Tensor<T> OneHot<T>(int[] classes, ReadOnlySpan<int> shape, int? numClasses, Tensor<T>? source = null)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (numClasses is < 1)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "Sequences.ToCategorical: numClasses must be at least 1, or null to infer it.");
        if (numClasses is null && classes.Length == 0)
            throw new ArgumentException("Sequences.ToCategorical: cannot infer the number of classes from no labels; pass numClasses.", nameof(numClasses));
        int count = numClasses ?? classes.Max() + 1;
        var result = Tensor<T>.Zeros([.. shape, count]);
        for (int i = 0; i < classes.Length; i++)
        {
            if (classes[i] < 0 || classes[i] >= count)
            {
                string where = source is null ? i.ToString(CultureInfo.InvariantCulture) : FlatIndex(source, i);
                string range = numClasses is null ? "labels must not be negative" : $"numClasses is {count}, so labels run from 0 to {count - 1}";
                throw new ArgumentException($"Sequences.ToCategorical: label {classes[i]} at index {where} is out of range ({range}).", "labels");
            }
            result.Data[i * count + classes[i]] = T.One;
        }
        return result;
    }

    // The full index of the flat position i, e.g. [2, 0], so the user finds the bad label in a rank-2 tensor.
    private static string FlatIndex<T>(Tensor<T> tensor, int i) where T : struct, IFloatingPointIeee754<T>
    {
        var index = new int[tensor.Rank];
        for (int axis = tensor.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = i % tensor.Dim(axis);
            i /= tensor.Dim(axis);
        }
        return Tensor<T>.FormatShape(index);
    }
}
