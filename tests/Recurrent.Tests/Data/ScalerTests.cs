using System.Text.Json.Nodes;
using Recurrent.Data;
using Recurrent.Tensors;

namespace Recurrent.Tests.Data;

public class ScalerTests
{
    // [rows 3, columns 2]
    private static Tensor<double> Table() => Tensor<double>.FromValues([2, 10, 4, 10, 6, 40], 3, 2);

    [Fact]
    public void Min_max_maps_each_column_onto_zero_to_one()
    {
        var scaler = new MinMaxScaler();

        Tensor<double> scaled = scaler.FitTransform(Table());

        Assert.Equal([0.0, 0, 0.5, 0, 1, 1], scaled.Data);
        Assert.Equal([2.0, 10], scaler.DataMin);
        Assert.Equal([4.0, 30], scaler.DataRange);
    }

    [Fact]
    public void Min_max_honours_a_feature_range_and_maps_a_constant_column_to_its_low_end()
    {
        var scaler = new MinMaxScaler(-1, 1);

        double[] scaled = scaler.FitTransform<double>([5, 5, 5]);

        Assert.Equal([-1.0, -1, -1], scaled);
        Assert.Equal([-1.0, 0, 1], new MinMaxScaler(-1, 1).FitTransform<double>([0, 5, 10]));
    }

    [Fact]
    public void Standard_scaler_uses_the_population_standard_deviation()
    {
        var scaler = new StandardScaler();

        double[] scaled = scaler.FitTransform<double>([1, 2, 3, 4]);

        double std = Math.Sqrt(1.25);   // ddof = 0, as scikit-learn
        Assert.Equal(2.5, scaler.Mean[0], 12);
        Assert.Equal(std, scaler.StandardDeviation[0], 12);
        Assert.Equal(-1.5 / std, scaled[0], 12);
        Assert.Equal(1.5 / std, scaled[3], 12);
    }

    [Fact]
    public void Standard_scaler_gives_a_constant_column_scale_one()
    {
        var scaler = new StandardScaler();

        Tensor<double> scaled = scaler.FitTransform(Tensor<double>.FromValues([0.1, 1, 0.1, 3], 2, 2));

        Assert.Equal(1.0, scaler.StandardDeviation[0]);
        Assert.Equal([0.0, -1, 0, 1], scaled.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Inverse_transform_returns_the_original_values(bool standard)
    {
        Scaler scaler = standard ? new StandardScaler() : new MinMaxScaler(-2, 3);
        Tensor<double> data = Table();

        Tensor<double> back = scaler.InverseTransform(scaler.FitTransform(data));

        for (int i = 0; i < data.Length; i++) Assert.Equal(data.Data[i], back.Data[i], 12);
    }

    [Fact]
    public void A_scaler_fitted_on_the_training_part_maps_later_values_outside_the_range()
    {
        float[] series = [0, 5, 10, 15];
        var scaler = new MinMaxScaler();
        scaler.Fit<float>(series.AsSpan(0, 3));

        float[] scaled = scaler.Transform<float>(series);

        Assert.Equal([0f, 0.5f, 1f, 1.5f], scaled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Json_round_trip_gives_the_same_transform(bool standard)
    {
        Scaler scaler = standard ? new StandardScaler() : new MinMaxScaler(-1, 1);
        scaler.Fit(Table());

        Scaler loaded = Scaler.FromJson(JsonNode.Parse(scaler.ToJson().ToJsonString())!, "model.rnn");

        Assert.IsType(scaler.GetType(), loaded);
        Assert.Equal(scaler.Transform(Table()).Data, loaded.Transform(Table()).Data);
        if (!standard) Assert.Equal((-1.0, 1.0), ((MinMaxScaler)loaded).FeatureRange);
    }

    [Fact]
    public void Using_a_scaler_before_fit_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new StandardScaler().Transform<float>([1f]));

        Assert.Equal("StandardScaler: call Fit (or FitTransform) before Transform.", error.Message);
        Assert.Throws<InvalidOperationException>(() => new MinMaxScaler().ToJson());
    }

    [Fact]
    public void Transforming_data_with_another_column_count_names_both_counts()
    {
        var scaler = new MinMaxScaler();
        scaler.Fit(Table());

        var error = Assert.Throws<ShapeException>(() => scaler.Transform<double>([1.0, 2]));

        Assert.Contains("with 1 column(s), but the scaler was fitted on 2", error.Message);
    }

    [Fact]
    public void Fitting_on_a_nan_names_its_row_and_column()
    {
        var error = Assert.Throws<ArgumentException>(() => new StandardScaler().Fit(Tensor<double>.FromValues([1, 2, 3, double.NaN], 2, 2)));

        Assert.Contains("NaN at row 1, column 1", error.Message);
    }

    [Theory]
    [InlineData("""{"class_name": "MaxAbsScaler"}""", "names no known scaler")]
    [InlineData("""{"class_name": "StandardScaler", "center": [0, 1], "scale": [1]}""", "'scale' has 1 values but center has 2")]
    [InlineData("""{"class_name": "StandardScaler", "center": [0], "scale": [0]}""", "'scale' must hold positive values only")]
    [InlineData("""{"class_name": "MinMaxScaler", "feature_range": [1, 0], "center": [0], "scale": [1]}""", "'feature_range' must be [min, max]")]
    [InlineData("""{"class_name": "StandardScaler", "center": ["a"], "scale": [1]}""", "'center[0]' must be a finite number")]
    public void Malformed_json_names_the_source_and_the_key(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Scaler.FromJson(JsonNode.Parse(json)!, "model.rnn"));

        Assert.StartsWith("model.rnn: ", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
