using Recurrent.Applications;
using Recurrent.Tensors;

namespace Recurrent.Tests.Applications;

/// <summary>The forecaster's log and difference transforms: training windows, evaluation and multi-step forecasts in the series' units.</summary>
public sealed class ForecasterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-forecaster-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly double[] Passengers = [.. DemoData.AirlinePassengers];

    private static Forecaster Train(bool log, bool difference, string scale = "minmax", int epochs = 2) =>
        Forecaster.Train(Passengers, new ForecasterOptions { Window = 12, TestSize = 24, Scale = scale, Log = log, Difference = difference },
            new NetworkOptions { Units = 4, Epochs = epochs, BatchSize = 16, Seed = 3 });

    // A network whose every output is 0: with differencing and no scaling, "no change" — exactly persistence.
    private static void Silence(Forecaster forecaster) =>
        forecaster.Model.SetWeights([.. forecaster.Model.GetWeights().Select(w => Tensor<float>.Zeros(w.Shape.ToArray()))]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Predicting_no_change_reproduces_the_persistence_baseline(bool log)
    {
        Forecaster forecaster = Train(log, difference: true, scale: "none");
        Silence(forecaster);

        var metrics = forecaster.Evaluate(Passengers, firstTarget: 120).Metrics;
        Assert.Equal(metrics["baseline_rmse"], metrics["rmse"], 1e-9);
        Assert.Equal(metrics["baseline_mae"], metrics["mae"], 1e-9);
        Assert.All(forecaster.Forecast(Passengers, steps: 5), v => Assert.Equal(Passengers[^1], v, 1e-9));
    }

    [Fact]
    public void A_constant_log_change_compounds_over_the_forecast()
    {
        Forecaster forecaster = Train(log: true, difference: true, scale: "none");
        Silence(forecaster);
        var dense = forecaster.Model.Layers[^1];
        dense.SetWeights([dense.GetWeights()[0], Tensor<float>.FromValues([MathF.Log(1.1f)], 1)]); // +10 % per step

        double[] future = forecaster.Forecast(Passengers, steps: 3);
        for (int s = 0; s < 3; s++) Assert.Equal(Passengers[^1] * Math.Pow(1.1, s + 1), future[s], Passengers[^1] * 1e-6);
    }

    [Fact]
    public void Log_refuses_a_value_that_is_not_positive_naming_its_position()
    {
        double[] series = [.. Passengers];
        series[40] = 0;
        var error = Assert.Throws<ArgumentException>(() => Forecaster.Train(series,
            new ForecasterOptions { Column = "Passengers", Window = 12, TestSize = 24, Log = true }, new NetworkOptions { Epochs = 1 }));
        Assert.Contains("--log", error.Message);
        Assert.Contains("position 41", error.Message);
    }

    [Fact]
    public void Differencing_needs_one_more_value_and_says_so()
    {
        var error = Assert.Throws<ArgumentException>(() => Forecaster.Train(Passengers[..13],
            new ForecasterOptions { Window = 12, Difference = true }, new NetworkOptions { Epochs = 1 }));
        Assert.Contains("at least 14", error.Message, StringComparison.Ordinal);
        Assert.Contains("13 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_then_load_keeps_the_transforms_and_gives_identical_forecasts()
    {
        Forecaster trained = Train(log: true, difference: true);
        string path = Path.Combine(_folder, "f.rnn");
        trained.Save(path);
        Forecaster loaded = Forecaster.Load(path);

        Assert.True(loaded.Log);
        Assert.True(loaded.Difference);
        Assert.Equal(trained.TestReport!.Predictions, loaded.Evaluate(Passengers, firstTarget: 120).Predictions);
        Assert.Equal(trained.Forecast(Passengers, 6), loaded.Forecast(Passengers, 6));
    }
}
