using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Metrics;

/// <summary>
/// A metric accumulated over batches, as Keras' stateful metrics: <see cref="Update{T}"/> per batch, <see cref="Result"/>
/// for the epoch so far, <see cref="Reset"/> at the start of each epoch. Rows are the prediction's last-axis rows;
/// row weights (sample weights, masks) weight the average.
/// </summary>
public abstract class Metric
{
    /// <summary>The name used in logs and history, e.g. <c>accuracy</c>, <c>mae</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Forgets everything accumulated.</summary>
    public abstract void Reset();

    /// <summary>Adds one batch; <paramref name="rowWeights"/> is empty for all ones.</summary>
    public abstract void Update<T>(Tensor<T> target, Tensor<T> prediction, ReadOnlySpan<T> rowWeights) where T : struct, IFloatingPointIeee754<T>;

    /// <summary>The metric over everything since the last reset.</summary>
    public abstract double Result();

    /// <summary>
    /// What the metric has accumulated, for a training backup taken in the middle of an epoch (see
    /// <c>BackupAndRestore</c>); null when the metric cannot be saved, and then a resumed epoch reports it over the
    /// batches after the resume only.
    /// </summary>
    public virtual double[]? GetState() => null;

    /// <summary>Continues from a state <see cref="GetState"/> returned.</summary>
    public virtual void SetState(double[] state) { }

    /// <summary>
    /// The metric Keras calls <paramref name="name"/>. "accuracy" (or "acc") is resolved as Keras does from the shapes
    /// of the first batch: binary when the prediction has one value per row, sparse categorical when the target has
    /// one value per row and the prediction several, else categorical.
    /// </summary>
    public static Metric FromName(string name) => name switch
    {
        "accuracy" or "acc" => new AutoAccuracy(name),
        "binary_accuracy" => new Accuracy(AccuracyKind.Binary, name),
        "categorical_accuracy" => new Accuracy(AccuracyKind.Categorical, name),
        "sparse_categorical_accuracy" => new Accuracy(AccuracyKind.SparseCategorical, name),
        "top_k_categorical_accuracy" => new TopKAccuracy(5, sparse: false, name),
        "sparse_top_k_categorical_accuracy" => new TopKAccuracy(5, sparse: true, name),
        "mae" or "mean_absolute_error" => new MeanError(MeanErrorKind.Absolute, name),
        "mse" or "mean_squared_error" => new MeanError(MeanErrorKind.Squared, name),
        "rmse" or "root_mean_squared_error" => new MeanError(MeanErrorKind.RootSquared, name),
        "precision" => new BinaryCounts(BinaryCountsKind.Precision, name),
        "recall" => new BinaryCounts(BinaryCountsKind.Recall, name),
        "f1" or "f1_score" => new BinaryCounts(BinaryCountsKind.F1, name),
        _ => throw new ArgumentException($"Unknown metric '{name}'. Known metrics: accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mae, mse, rmse, precision, recall, f1."),
    };

    /// <summary>Rows and row widths of a target/prediction pair.</summary>
    protected static (int Rows, int Width, int TargetWidth) Layout<T>(string name, Tensor<T> target, Tensor<T> prediction)
        where T : struct, IFloatingPointIeee754<T>
    {
        int width = prediction.Dim(prediction.Rank - 1), rows = prediction.Length / width;
        if (target.Length % Math.Max(1, rows) != 0)
            throw new ShapeException($"{name}: target {target.ShapeText} does not fit prediction {prediction.ShapeText}.");
        return (rows, width, target.Length / Math.Max(1, rows));
    }

    /// <summary>Weight of row <paramref name="r"/>.</summary>
    protected static double WeightOf<T>(ReadOnlySpan<T> rowWeights, int r) where T : struct, IFloatingPointIeee754<T> =>
        rowWeights.IsEmpty ? 1.0 : double.CreateChecked(rowWeights[r]);
}

/// <summary>A weighted mean of one value per row.</summary>
public abstract class RowMeanMetric : Metric
{
    private double _sum, _weight;

    /// <inheritdoc/>
    public override void Reset() => (_sum, _weight) = (0, 0);

    /// <inheritdoc/>
    public override double Result() => _weight == 0 ? 0 : Finish(_sum / _weight);

    /// <inheritdoc/>
    public override double[]? GetState() => [_sum, _weight];

    /// <inheritdoc/>
    public override void SetState(double[] state) => (_sum, _weight) = (state[0], state[1]);

    /// <summary>Turns the weighted mean into the result (RMSE takes a square root).</summary>
    protected virtual double Finish(double mean) => mean;

    /// <inheritdoc/>
    public override void Update<T>(Tensor<T> target, Tensor<T> prediction, ReadOnlySpan<T> rowWeights)
    {
        var (rows, width, targetWidth) = Layout(Name, target, prediction);
        for (int r = 0; r < rows; r++)
        {
            double weight = WeightOf(rowWeights, r);
            if (weight == 0) continue;
            _sum += weight * RowValue(target.Span.Slice(r * targetWidth, targetWidth), prediction.Span.Slice(r * width, width));
            _weight += weight;
        }
    }

    /// <summary>The value of one row.</summary>
    protected abstract double RowValue<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction) where T : struct, IFloatingPointIeee754<T>;
}
