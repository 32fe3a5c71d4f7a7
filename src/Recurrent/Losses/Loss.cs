using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Losses;

/// <summary>
/// A loss as Keras defines it: a value per row (the last axis of the prediction: one sample, or one time step of a
/// sample), reduced by Keras' <c>sum_over_batch_size</c>: Σ wᵣ·ℓᵣ / number of rows, where the row weights carry
/// sample weights, class weights and masks. <see cref="Compute{T}"/> also returns dLoss/dPrediction.
/// </summary>
/// <example>
/// <code>
/// var gradient = Tensor&lt;float&gt;.Zeros(prediction.Shape.ToArray());
/// float loss = Loss.MeanSquaredError.Compute(target, prediction, default, gradient.Span);
/// </code>
/// </example>
public abstract class Loss
{
    /// <summary>Keras' <c>mean_squared_error</c>: mean over the last axis of (y − ŷ)².</summary>
    public static Loss MeanSquaredError { get; } = new MeanSquaredErrorLoss();

    /// <summary>Keras' <c>mean_absolute_error</c>: mean over the last axis of |y − ŷ|.</summary>
    public static Loss MeanAbsoluteError { get; } = new MeanAbsoluteErrorLoss();

    /// <summary>Keras' <c>huber</c> with threshold <paramref name="delta"/> (default 1).</summary>
    public static Loss Huber(double delta = 1.0) => new HuberLoss(delta);

    /// <summary>Keras' <c>binary_crossentropy</c>; with <paramref name="fromLogits"/> the prediction is a logit.</summary>
    public static Loss BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0) => new BinaryCrossentropyLoss(fromLogits, labelSmoothing);

    /// <summary>Keras' <c>categorical_crossentropy</c> on one-hot (or soft) targets.</summary>
    public static Loss CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0) =>
        new CategoricalCrossentropyLoss(fromLogits, sparse: false, labelSmoothing);

    /// <summary>
    /// Keras' <c>sparse_categorical_crossentropy</c>: the target holds class indices (one per row). With
    /// <paramref name="labelSmoothing"/> ε the target is (1 − ε)·one-hot + ε/classes, as PyTorch's
    /// <c>CrossEntropyLoss(label_smoothing=ε)</c> (Keras has no smoothing for sparse labels).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public static Loss SparseCategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0) =>
        labelSmoothing is >= 0 and <= 1 ? new CategoricalCrossentropyLoss(fromLogits, sparse: true, labelSmoothing)
            : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1].");

    /// <summary>The loss Keras calls <paramref name="name"/> (e.g. "mse", "binary_crossentropy").</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Loss FromName(string name) => name switch
    {
        "mse" or "mean_squared_error" => MeanSquaredError,
        "mae" or "mean_absolute_error" => MeanAbsoluteError,
        "huber" => Huber(),
        "binary_crossentropy" => BinaryCrossentropy(),
        "categorical_crossentropy" => CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" => SparseCategoricalCrossentropy(),
        _ => throw new ArgumentException($"Unknown loss '{name}'. Known losses: mse, mae, huber, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy."),
    };

    /// <summary>Keras' name of the loss.</summary>
    public abstract string Name { get; }

    /// <summary>True when the prediction is taken as logits (no sigmoid/softmax applied).</summary>
    public virtual bool FromLogits => false;

    /// <summary>
    /// The same loss taken on the logits before <paramref name="activation"/> (softmax for categorical, sigmoid for
    /// binary cross-entropy), or null when the two do not fuse.
    /// </summary>
    public virtual Loss? FusedWith(string activation) => null;

    /// <summary>Values of the target per row for a prediction row of <paramref name="predictionWidth"/> (1 for sparse labels).</summary>
    public virtual int TargetWidth(int predictionWidth) => predictionWidth;

    /// <summary>
    /// The reduced loss Σ wᵣ·ℓᵣ / rows, and dLoss/dPrediction written into <paramref name="gradient"/> (same length as
    /// the prediction). <paramref name="rowWeights"/> has one weight per row, or is empty for all ones.
    /// </summary>
    /// <exception cref="ShapeException">Target and prediction do not fit together.</exception>
    public T Compute<T>(Tensor<T> target, Tensor<T> prediction, ReadOnlySpan<T> rowWeights, Span<T> gradient)
        where T : struct, IFloatingPointIeee754<T>
    {
        int width = prediction.Rank == 0 ? 1 : prediction.Dim(prediction.Rank - 1);
        int rows = prediction.Length / Math.Max(1, width), targetWidth = TargetWidth(width);
        if (target.Length != rows * targetWidth)
        {
            string expected = targetWidth == width ? prediction.ShapeText : Tensor<T>.FormatShape(prediction.Shape[..^1]);
            throw new ShapeException($"{Name}: target expected shape {expected} for prediction {prediction.ShapeText}, got {target.ShapeText}.");
        }
        if (!rowWeights.IsEmpty && rowWeights.Length != rows)
            throw new ShapeException($"{Name}: expected {rows} row weights for prediction {prediction.ShapeText}, got {rowWeights.Length}.");
        if (gradient.Length != prediction.Length)
            throw new ShapeException($"{Name}: gradient buffer expected {prediction.Length} elements, got {gradient.Length}.");

        T total = T.Zero, scale = T.One / T.CreateChecked(Math.Max(1, rows));
        for (int r = 0; r < rows; r++)
        {
            Span<T> rowGradient = gradient.Slice(r * width, width);
            T weight = rowWeights.IsEmpty ? T.One : rowWeights[r];
            if (weight == T.Zero)
            {
                rowGradient.Clear();
                continue;
            }
            T value = RowLoss(target.Span.Slice(r * targetWidth, targetWidth), prediction.Span.Slice(r * width, width), rowGradient, r);
            total += weight * value;
            T factor = weight * scale;
            for (int j = 0; j < width; j++) rowGradient[j] *= factor;
        }
        return total * scale;
    }

    /// <summary>ℓ for one row, and dℓ/dprediction written into <paramref name="gradient"/>; <paramref name="row"/> is for messages.</summary>
    protected abstract T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
        where T : struct, IFloatingPointIeee754<T>;

    /// <summary>Keras' backend epsilon (1e-7), used to clip probabilities away from 0 and 1.</summary>
    protected static T Epsilon<T>() where T : struct, IFloatingPointIeee754<T> => T.CreateChecked(1e-7);
}
