using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Recurrent.Tensors;

namespace Recurrent.Data;

/// <summary>
/// A per-column affine normalisation as in scikit-learn: <c>Fit</c> learns a centre and a scale for each column
/// (the last axis; a 1-D input is one column), then <c>Transform</c> maps x to
/// (x − centre) / scale · (high − low) + low and <c>InverseTransform</c> maps it back. Fit on the training part only,
/// then transform the training and test parts with the same statistics.
/// </summary>
/// <example>
/// <code>
/// var scaler = new MinMaxScaler();
/// float[] scaled = scaler.FitTransform&lt;float&gt;(train);   // into [0, 1]
/// float[] original = scaler.InverseTransform&lt;float&gt;(predictions);
/// </code>
/// </example>
public abstract class Scaler
{
    private readonly double _low, _width;
    private double[]? _center, _scale;

    /// <summary>Creates an unfitted scaler whose output runs over [low, high] when the data spans the centre ± scale.</summary>
    private protected Scaler(double low, double high) => (_low, _width) = (low, high - low);

    /// <summary>Whether <c>Fit</c> (or <see cref="FromJson"/>) has set the statistics.</summary>
    public bool IsFitted => _center is not null;

    /// <summary>The number of columns the scaler was fitted on.</summary>
    public int Columns => Fitted("Columns").Center.Length;

    /// <summary>The per-column centre subtracted first (the minimum, or the mean).</summary>
    private protected double[] Center => Fitted("the statistics").Center;

    /// <summary>The per-column scale divided by next (the data range, or the standard deviation).</summary>
    private protected double[] Scale => Fitted("the statistics").Scale;

    /// <summary>The name used in messages and in the JSON state.</summary>
    public abstract string TypeName { get; }

    /// <summary>Learns the statistics of each column (last axis) of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data has no rows, or a value is NaN or infinite; the message names the row and column.</exception>
    public void Fit<T>(Tensor<T> data) where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        int columns = ColumnsOf(data);
        int rows = columns == 0 ? 0 : data.Length / columns;
        if (rows == 0) throw new ArgumentException($"{TypeName}: Fit needs at least one row, got data of shape {data.ShapeText}.", nameof(data));
        var center = new double[columns];
        var scale = new double[columns];
        var column = new double[rows];
        for (int c = 0; c < columns; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                column[r] = double.CreateChecked(data.Data[r * columns + c]);
                if (!double.IsFinite(column[r]))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{TypeName}: Fit found {column[r]} at row {r}, column {c}; the data must be finite."), nameof(data));
            }
            (center[c], scale[c]) = FitColumn(column);
        }
        (_center, _scale) = (center, scale);
    }

    /// <summary>Learns the statistics of a single column of values.</summary>
    public void Fit<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T> => Fit(Tensor<T>.FromValues(values, values.Length));

    /// <summary>The scaled copy of <paramref name="data"/>, which must have as many columns as the fitted data.</summary>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ShapeException">The column count differs from the fitted data's.</exception>
    public Tensor<T> Transform<T>(Tensor<T> data) where T : struct, IFloatingPointIeee754<T> =>
        Apply(data, nameof(Transform), (x, center, scale) => (x - center) / scale * _width + _low);

    /// <summary>The scaled copy of a single column of values.</summary>
    public T[] Transform<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T> =>
        Transform(Tensor<T>.FromValues(values, values.Length)).Data;

    /// <summary>Undoes <see cref="Transform{T}(Tensor{T})"/>: the values in the original units.</summary>
    public Tensor<T> InverseTransform<T>(Tensor<T> data) where T : struct, IFloatingPointIeee754<T> =>
        Apply(data, nameof(InverseTransform), (y, center, scale) => (y - _low) / _width * scale + center);

    /// <summary>Undoes <see cref="Transform{T}(ReadOnlySpan{T})"/> for a single column of values.</summary>
    public T[] InverseTransform<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T> =>
        InverseTransform(Tensor<T>.FromValues(values, values.Length)).Data;

    /// <summary><c>Fit</c> then <c>Transform</c> on the same data.</summary>
    public Tensor<T> FitTransform<T>(Tensor<T> data) where T : struct, IFloatingPointIeee754<T>
    {
        Fit(data);
        return Transform(data);
    }

    /// <summary><c>Fit</c> then <c>Transform</c> on a single column of values.</summary>
    public T[] FitTransform<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        Fit(values);
        return Transform(values);
    }

    /// <summary>
    /// The fitted state: <c>{"class_name", options, "center": [...], "scale": [...]}</c>, where centre and scale are
    /// scikit-learn's <c>data_min_</c> / <c>data_range_</c> for <see cref="MinMaxScaler"/> and <c>mean_</c> /
    /// <c>scale_</c> for <see cref="StandardScaler"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    public JsonObject ToJson()
    {
        var (center, scale) = Fitted(nameof(ToJson));
        var json = new JsonObject { ["class_name"] = TypeName };
        WriteOptions(json);
        json["center"] = new JsonArray(center.Select(v => (JsonNode)v).ToArray());
        json["scale"] = new JsonArray(scale.Select(v => (JsonNode)v).ToArray());
        return json;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; the class name picks the scaler type.</summary>
    /// <param name="node">The JSON state.</param>
    /// <param name="source">Where the state comes from (a file name), for error messages.</param>
    /// <exception cref="InvalidDataException">The state is malformed; the message names <paramref name="source"/> and the key.</exception>
    public static Scaler FromJson(JsonNode node, string source)
    {
        var fields = JsonFields.Open(node, source, "scaler");
        string className = fields.String("class_name");
        Scaler scaler;
        switch (className)
        {
            case "MinMaxScaler":
                fields.OnlyKeys("class_name", "feature_range", "center", "scale");
                double[] range = fields.Doubles("feature_range");
                if (range.Length != 2 || range[0] >= range[1])
                    throw fields.Error("feature_range", "must be [min, max] with min < max");
                scaler = new MinMaxScaler(range[0], range[1]);
                break;
            case "StandardScaler":
                fields.OnlyKeys("class_name", "center", "scale");
                scaler = new StandardScaler();
                break;
            default:
                throw fields.Error("class_name", $"names no known scaler: \"{className}\" (known: MinMaxScaler, StandardScaler)");
        }
        double[] center = fields.Doubles("center");
        double[] scale = fields.Doubles("scale");
        if (center.Length == 0) throw fields.Error("center", "must hold one value per column, got none");
        if (scale.Length != center.Length)
            throw fields.Error("scale", $"has {scale.Length} values but center has {center.Length}");
        if (scale.Any(s => s <= 0)) throw fields.Error("scale", "must hold positive values only");
        (scaler._center, scaler._scale) = (center, scale);
        return scaler;
    }

    /// <summary>The centre and scale of one column; a scale of 0 must not be returned (constant columns get 1).</summary>
    private protected abstract (double Center, double Scale) FitColumn(ReadOnlySpan<double> column);

    /// <summary>Adds the constructor options to the JSON state.</summary>
    private protected virtual void WriteOptions(JsonObject json) { }

    // The one loop behind Transform and InverseTransform: map every value with its column's statistics.
    private Tensor<T> Apply<T>(Tensor<T> data, string operation, Func<double, double, double, double> map)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        var (center, scale) = Fitted(operation);
        int columns = ColumnsOf(data);
        if (columns != center.Length)
            throw new ShapeException($"{TypeName}: {operation} got data of shape {data.ShapeText} with {columns} column(s), but the scaler was fitted on {center.Length}.");
        var result = Tensor<T>.Zeros(data.Shape.ToArray());
        for (int i = 0; i < data.Length; i++)
            result.Data[i] = T.CreateChecked(map(double.CreateChecked(data.Data[i]), center[i % columns], scale[i % columns]));
        return result;
    }

    // The last axis holds the columns; a 1-D input (or a scalar) is a single column.
    private static int ColumnsOf<T>(Tensor<T> data) where T : struct, IFloatingPointIeee754<T> =>
        data.Rank <= 1 ? 1 : data.Dim(data.Rank - 1);

    private (double[] Center, double[] Scale) Fitted(string operation) =>
        _center is not null && _scale is not null ? (_center, _scale)
            : throw new InvalidOperationException($"{TypeName}: call Fit (or FitTransform) before {operation}.");
}

/// <summary>
/// scikit-learn's <c>MinMaxScaler</c>: maps each column's [min, max] seen in <c>Fit</c> onto the feature range
/// (default [0, 1]); a constant column maps to the range's low end. Values outside the fitted range map outside the
/// feature range (no clipping).
/// </summary>
/// <example>
/// <code>
/// var scaler = new MinMaxScaler();
/// Tensor&lt;float&gt; scaled = scaler.FitTransform(train);   // [rows, columns], each column in [0, 1]
/// </code>
/// </example>
public sealed class MinMaxScaler : Scaler
{
    /// <summary>Creates an unfitted scaler onto [<paramref name="featureMin"/>, <paramref name="featureMax"/>].</summary>
    /// <exception cref="ArgumentException">The range is empty, reversed or not finite.</exception>
    public MinMaxScaler(double featureMin = 0, double featureMax = 1) : base(featureMin, featureMax)
    {
        if (!(featureMin < featureMax) || !double.IsFinite(featureMin) || !double.IsFinite(featureMax))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MinMaxScaler: feature range must be finite with min < max, got ({featureMin}, {featureMax})."), nameof(featureMin));
        FeatureRange = (featureMin, featureMax);
    }

    /// <summary>The output range.</summary>
    public (double Min, double Max) FeatureRange { get; }

    /// <summary>Each column's minimum seen in <c>Fit</c>.</summary>
    public IReadOnlyList<double> DataMin => Array.AsReadOnly(Center);

    /// <summary>Each column's max − min seen in <c>Fit</c> (1 for a constant column, as scikit-learn).</summary>
    public IReadOnlyList<double> DataRange => Array.AsReadOnly(Scale);

    /// <inheritdoc/>
    public override string TypeName => "MinMaxScaler";

    private protected override (double Center, double Scale) FitColumn(ReadOnlySpan<double> column)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in column) (min, max) = (Math.Min(min, v), Math.Max(max, v));
        return (min, max > min ? max - min : 1);
    }

    private protected override void WriteOptions(JsonObject json) =>
        json["feature_range"] = new JsonArray(FeatureRange.Min, FeatureRange.Max);
}

/// <summary>
/// scikit-learn's <c>StandardScaler</c>: subtracts each column's mean and divides by its population standard
/// deviation (ddof = 0); a constant column gets scale 1, so it maps to 0.
/// </summary>
/// <example>
/// <code>
/// var scaler = new StandardScaler();
/// Tensor&lt;double&gt; z = scaler.FitTransform(features);   // each column: mean 0, std 1
/// </code>
/// </example>
public sealed class StandardScaler : Scaler
{
    /// <summary>Creates an unfitted scaler.</summary>
    public StandardScaler() : base(0, 1) { }

    /// <summary>Each column's mean seen in <c>Fit</c>.</summary>
    public IReadOnlyList<double> Mean => Array.AsReadOnly(Center);

    /// <summary>Each column's population standard deviation seen in <c>Fit</c> (1 for a constant column).</summary>
    public IReadOnlyList<double> StandardDeviation => Array.AsReadOnly(Scale);

    /// <inheritdoc/>
    public override string TypeName => "StandardScaler";

    private protected override (double Center, double Scale) FitColumn(ReadOnlySpan<double> column)
    {
        double mean = 0, squares = 0;
        foreach (double v in column) mean += v;
        mean /= column.Length;
        foreach (double v in column) squares += (v - mean) * (v - mean);
        // Tested on equality, not on a tiny deviation, so rounding noise cannot turn a constant column into a huge scale.
        bool constant = column.IndexOfAnyExcept(column[0]) < 0;
        return (mean, constant ? 1 : Math.Sqrt(squares / column.Length));
    }
}
