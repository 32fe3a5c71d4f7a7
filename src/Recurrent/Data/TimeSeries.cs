using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Data;

/// <summary>
/// Sliding windows over a time series for supervised training: each sample is <c>window</c> consecutive steps and
/// its target the <c>horizon</c> values that follow.
/// </summary>
/// <example>
/// <code>
/// var (x, y) = TimeSeries.Windows&lt;float&gt;(passengers, window: 12);   // 144 values → x [132, 12, 1], y [132, 1]
/// </code>
/// </example>
public static class TimeSeries
{
    /// <summary>
    /// Windows over a univariate series: sample i reads series[i·stride .. i·stride + window) and targets the
    /// next <paramref name="horizon"/> values.
    /// </summary>
    /// <param name="series">The values in time order.</param>
    /// <param name="window">Input steps per sample.</param>
    /// <param name="horizon">Target values per sample (1 = predict the next value).</param>
    /// <param name="stride">Steps between the starts of consecutive samples.</param>
    /// <returns>X [samples, window, 1] and Y [samples, horizon].</returns>
    /// <exception cref="ArgumentException">The series has fewer than window + horizon values; the message says how many it has and needs.</exception>
    public static (Tensor<T> X, Tensor<T> Y) Windows<T>(ReadOnlySpan<T> series, int window, int horizon = 1, int stride = 1)
        where T : struct, IFloatingPointIeee754<T> =>
        Slide(series, features: 1, window, targetColumn: 0, horizon, stride);

    /// <summary>
    /// Windows over a multivariate series [time, features]: the inputs keep every feature and the targets are the
    /// next <paramref name="horizon"/> values of column <paramref name="targetColumn"/>.
    /// </summary>
    /// <param name="series">A [time, features] tensor.</param>
    /// <param name="window">Input steps per sample.</param>
    /// <param name="targetColumn">The feature to predict.</param>
    /// <param name="horizon">Target values per sample.</param>
    /// <param name="stride">Steps between the starts of consecutive samples.</param>
    /// <returns>X [samples, window, features] and Y [samples, horizon].</returns>
    public static (Tensor<T> X, Tensor<T> Y) Windows<T>(Tensor<T> series, int window, int targetColumn, int horizon = 1, int stride = 1)
        where T : struct, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Rank != 2)
            throw new ShapeException($"TimeSeries.Windows: expected a series of shape [time, features], got {series.ShapeText}.");
        if ((uint)targetColumn >= (uint)series.Dim(1))
            throw new ArgumentOutOfRangeException(nameof(targetColumn), targetColumn, $"TimeSeries.Windows: targetColumn must be from 0 to {series.Dim(1) - 1} for a series of shape {series.ShapeText}.");
        return Slide(series.Span, series.Dim(1), window, targetColumn, horizon, stride);
    }

    private static (Tensor<T> X, Tensor<T> Y) Slide<T>(ReadOnlySpan<T> series, int features, int window, int targetColumn, int horizon, int stride)
        where T : struct, IFloatingPointIeee754<T>
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "TimeSeries.Windows: window must be at least 1.");
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "TimeSeries.Windows: horizon must be at least 1.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "TimeSeries.Windows: stride must be at least 1.");
        int steps = features == 0 ? 0 : series.Length / features;
        string unit = features == 1 ? "values" : "time steps";
        if (steps < window + horizon)
            throw new ArgumentException($"TimeSeries.Windows: the series has {steps} {unit} but a window of {window} and a horizon of {horizon} need at least {window + horizon}.", nameof(series));

        int samples = (steps - window - horizon) / stride + 1;
        var x = Tensor<T>.Zeros(samples, window, features);   // [samples, window, features]
        var y = Tensor<T>.Zeros(samples, horizon);            // [samples, horizon]
        for (int i = 0; i < samples; i++)
        {
            int start = i * stride;
            series.Slice(start * features, window * features).CopyTo(x.Span.Slice(i * window * features, window * features));
            for (int h = 0; h < horizon; h++)
                y.Data[i * horizon + h] = series[(start + window + h) * features + targetColumn];
        }
        return (x, y);
    }
}
