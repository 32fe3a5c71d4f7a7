using Recurrent.Data;
using Recurrent.Tensors;

namespace Recurrent.Tests.Data;

public class TimeSeriesTests
{
    private static readonly float[] Series = [10, 11, 12, 13, 14, 15, 16];

    [Fact]
    public void Windows_pair_each_window_with_the_next_value()
    {
        var (x, y) = TimeSeries.Windows<float>(Series, window: 3);

        Assert.Equal([4, 3, 1], x.Shape.ToArray());
        Assert.Equal([4, 1], y.Shape.ToArray());
        Assert.Equal([10f, 11, 12, 11, 12, 13, 12, 13, 14, 13, 14, 15], x.Data);
        Assert.Equal([13f, 14, 15, 16], y.Data);
    }

    [Fact]
    public void Horizon_targets_the_following_values_and_stride_skips_starts()
    {
        var (x, y) = TimeSeries.Windows<float>(Series, window: 2, horizon: 2, stride: 2);

        // Starts 0 and 2 fit (start 4 would need values up to index 7).
        Assert.Equal([2, 2, 1], x.Shape.ToArray());
        Assert.Equal([10f, 11, 12, 13], x.Data);
        Assert.Equal([12f, 13, 14, 15], y.Data);
    }

    [Fact]
    public void Exactly_window_plus_horizon_values_give_one_sample()
    {
        var (x, y) = TimeSeries.Windows<double>([1.0, 2, 3], window: 2);

        Assert.Equal(1, x.Dim(0));
        Assert.Equal([3.0], y.Data);
    }

    [Fact]
    public void A_series_that_is_too_short_says_how_many_values_it_has_and_needs()
    {
        var error = Assert.Throws<ArgumentException>(() => TimeSeries.Windows<float>(Series, window: 6, horizon: 2));

        Assert.StartsWith("TimeSeries.Windows: the series has 7 values but a window of 6 and a horizon of 2 need at least 8.", error.Message);
    }

    [Fact]
    public void Multivariate_windows_keep_all_features_and_target_one_column()
    {
        // [time 4, features 2]: column 0 counts up, column 1 counts down.
        Tensor<float> series = Tensor<float>.FromValues([1, 40, 2, 30, 3, 20, 4, 10], 4, 2);

        var (x, y) = TimeSeries.Windows(series, window: 2, targetColumn: 1);

        Assert.Equal([2, 2, 2], x.Shape.ToArray());
        Assert.Equal([1f, 40, 2, 30, 2, 30, 3, 20], x.Data);
        Assert.Equal([20f, 10], y.Data);
    }

    [Fact]
    public void Multivariate_windows_refuse_a_target_column_outside_the_features()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TimeSeries.Windows(Tensor<float>.Zeros(5, 2), window: 2, targetColumn: 2));

        Assert.Contains("targetColumn must be from 0 to 1", error.Message);
    }

    [Fact]
    public void Multivariate_windows_need_a_rank_two_series()
    {
        var error = Assert.Throws<ShapeException>(() => TimeSeries.Windows(Tensor<float>.Zeros(5), window: 2, targetColumn: 0));

        Assert.Contains("[time, features], got [5]", error.Message);
    }
}
