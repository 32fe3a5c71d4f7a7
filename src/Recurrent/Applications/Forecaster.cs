using System.Text.Json.Nodes;
using Recurrent.Data;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Applications;

/// <summary>How a series becomes training windows for <see cref="Forecaster"/>.</summary>
public sealed record ForecasterOptions
{
    /// <summary>Name of the series (the CSV column), kept for messages and charts.</summary>
    public string Column { get; init; } = "value";

    /// <summary>Past values the model sees.</summary>
    public int Window { get; init; } = 12;

    /// <summary>Future values it predicts at once.</summary>
    public int Horizon { get; init; } = 1;

    /// <summary>Hold out the last N values as test targets (the scaler is fitted on the rest).</summary>
    public int TestSize { get; init; }

    /// <summary>"minmax", "standard" or "none".</summary>
    public string Scale { get; init; } = "minmax";

    /// <summary>Model the logarithm of the values (for growth that is proportional to the level); they must all be positive.</summary>
    public bool Log { get; init; }

    /// <summary>
    /// Model the change from one value to the next instead of the value, so a trend that takes the series beyond
    /// the training range stays inside what the network has seen; predictions are added back to the last value.
    /// </summary>
    public bool Difference { get; init; }
}

/// <summary>Predictions on the held-out part and their errors in the series' own units.</summary>
/// <param name="FirstTarget">Index in the series of the first held-out target.</param>
/// <param name="Predictions">The one-step-ahead prediction for each held-out target.</param>
/// <param name="Metrics">rmse and mae of the model, and baseline_rmse / baseline_mae of persistence (repeating the last value).</param>
public sealed record ForecastReport(int FirstTarget, double[] Predictions, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Time-series forecasting: windows of past values → recurrent layers → Dense(horizon), on values optionally
/// log-transformed and differenced, then scaled with a scaler fitted on the training part only. Errors are reported
/// in the series' own units against the persistence baseline.
/// </summary>
/// <example>
/// <code>
/// var forecaster = Forecaster.Train(passengers, new ForecasterOptions { Window = 12, TestSize = 24, Log = true, Difference = true },
///     new NetworkOptions { Epochs = 200 });
/// double rmse = forecaster.TestReport!.Metrics["rmse"];
/// double[] next = forecaster.Forecast(passengers, steps: 12);
/// </code>
/// </example>
public sealed class Forecaster
{
    private const string Kind = "forecast";

    private Forecaster(Sequential<float> model, Scaler? scaler, string column, int window, int horizon, bool log, bool difference)
    {
        Model = model;
        Scaler = scaler;
        Column = column;
        Window = window;
        Horizon = horizon;
        Log = log;
        Difference = difference;
    }

    /// <summary>The network.</summary>
    public Sequential<float> Model { get; }

    /// <summary>The scaler fitted on the training part, or null.</summary>
    public Scaler? Scaler { get; }

    /// <summary>Name of the series.</summary>
    public string Column { get; }

    /// <summary>Past values per prediction.</summary>
    public int Window { get; }

    /// <summary>Future values per prediction.</summary>
    public int Horizon { get; }

    /// <summary>Whether the network sees the logarithm of the values.</summary>
    public bool Log { get; }

    /// <summary>Whether the network sees changes between consecutive values rather than the values.</summary>
    public bool Difference { get; }

    // A differenced series is one shorter: the network's value j belongs to the series' value j + Offset.
    private int Offset => Difference ? 1 : 0;

    /// <summary>The training history.</summary>
    public History? History { get; private set; }

    /// <summary>The held-out evaluation of <see cref="Train"/> (null without a test part).</summary>
    public ForecastReport? TestReport { get; private set; }

    /// <summary>Trains on <paramref name="series"/>, holding out its last <c>TestSize</c> values.</summary>
    /// <exception cref="ArgumentException">Too few values for the window, horizon and test size; the message says how many are needed.</exception>
    public static Forecaster Train(double[] series, ForecasterOptions options, NetworkOptions network)
    {
        network.Validate();
        if (options.Window < 1) throw new ArgumentException($"--window must be positive, got {options.Window}.");
        if (options.Horizon < 1) throw new ArgumentException($"--horizon must be positive, got {options.Horizon}.");
        if (options.TestSize < 0) throw new ArgumentException($"--test-size must not be negative, got {options.TestSize}.");
        int trainEnd = series.Length - options.TestSize;
        int needed = options.Window + options.Horizon + (options.Difference ? 1 : 0);
        if (trainEnd < needed)
            throw new ArgumentException($"forecast: '{options.Column}' has {series.Length} values; a window of {options.Window}, a horizon of {options.Horizon} and a test size of {options.TestSize} need at least {needed + options.TestSize}.");
        Scaler? scaler = options.Scale switch
        {
            "minmax" => new MinMaxScaler(),
            "standard" => new StandardScaler(),
            "none" => null,
            _ => throw new ArgumentException($"--scale must be minmax, standard or none, got '{options.Scale}'."),
        };
        var model = new Sequential<float>([.. network.RecurrentStack(lastReturnsSequences: false), new Dense<float>(options.Horizon)],
            inputShape: [options.Window, 1], seed: network.Seed, name: "forecaster");
        model.Compile(network.CreateOptimizer(), Loss.MeanSquaredError, "mae");
        var forecaster = new Forecaster(model, scaler, options.Column, options.Window, options.Horizon, options.Log, options.Difference);

        // The scaler and the training windows (targets included) see only values before the held-out part.
        double[] transformed = forecaster.Transformed(series);
        int transformedTrainEnd = trainEnd - forecaster.Offset;
        scaler?.Fit<double>(transformed.AsSpan(0, transformedTrainEnd));
        float[] scaled = forecaster.Scaled(transformed);
        var (x, y) = TimeSeries.Windows<float>(scaled.AsSpan(0, transformedTrainEnd), options.Window, options.Horizon);
        forecaster.History = model.Fit(x, y, network.Epochs, network.BatchSize, network.ValidationSplit,
            shuffle: network.Shuffle, callbacks: network.TrainingCallbacks(network.ValidationSplit > 0), verbose: 0);
        if (options.TestSize > 0) forecaster.TestReport = forecaster.Evaluate(series, trainEnd);
        return forecaster;
    }

    // The series as the network's unscaled values: log, then differences, as configured.
    private double[] Transformed(double[] series)
    {
        double[] values = series;
        if (Log)
        {
            int bad = Array.FindIndex(series, v => !(v > 0));
            if (bad >= 0) throw new ArgumentException($"forecast: --log needs positive values, but '{Column}' has {series[bad]} at position {bad + 1}.");
            values = [.. series.Select(v => Math.Log(v))];
        }
        if (Difference) values = [.. values.Skip(1).Select((v, i) => v - values[i])];
        return values;
    }

    private float[] Scaled(double[] transformed) =>
        (Scaler is null ? transformed : Scaler.Transform<double>(transformed)).Select(v => (float)v).ToArray();

    // Network outputs for the values after series[last] back in the series' units (differences are accumulated from series[last]).
    private double[] Untransformed(ReadOnlySpan<float> outputs, double[] series, int last)
    {
        double[] values = [.. outputs.ToArray().Select(v => (double)v)];
        if (Scaler is not null) values = Scaler.InverseTransform<double>(values);
        if (Difference)
        {
            double level = Log ? Math.Log(series[last]) : series[last];
            for (int i = 0; i < values.Length; i++) values[i] = level += values[i];
        }
        return Log ? [.. values.Select(v => Math.Exp(v))] : values;
    }

    /// <summary>
    /// One-step-ahead predictions for every target from <paramref name="firstTarget"/> on (each from the true
    /// window before it), with RMSE / MAE in original units and the persistence baseline's.
    /// </summary>
    public ForecastReport Evaluate(double[] series, int? firstTarget = null)
    {
        int first = firstTarget ?? Window + Offset;
        if (first < Window + Offset || first >= series.Length)
            throw new ArgumentException($"forecast: '{Column}' has {series.Length} values; evaluating needs more than the window of {Window}{(Difference ? " plus one for differencing" : "")}.");
        float[] scaled = Scaled(Transformed(series));
        int count = series.Length - first;
        var x = Tensor<float>.Zeros(count, Window, 1);
        for (int i = 0; i < count; i++)
            scaled.AsSpan(first - Offset + i - Window, Window).CopyTo(x.Span.Slice(i * Window, Window));
        Tensor<float> output = Model.Predict(x);
        var predictions = new double[count];
        for (int i = 0; i < count; i++) predictions[i] = Untransformed([output[i, 0]], series, first + i - 1)[0];
        double squared = 0, absolute = 0, baselineSquared = 0, baselineAbsolute = 0;
        for (int i = 0; i < count; i++)
        {
            double actual = series[first + i], error = predictions[i] - actual, persistence = series[first + i - 1] - actual;
            squared += error * error;
            absolute += Math.Abs(error);
            baselineSquared += persistence * persistence;
            baselineAbsolute += Math.Abs(persistence);
        }
        return new ForecastReport(first, predictions, new Dictionary<string, double>
        {
            ["rmse"] = Math.Sqrt(squared / count),
            ["mae"] = absolute / count,
            ["baseline_rmse"] = Math.Sqrt(baselineSquared / count),
            ["baseline_mae"] = baselineAbsolute / count,
        });
    }

    /// <summary>The next <paramref name="steps"/> values after the end of <paramref name="series"/>, feeding each prediction back in.</summary>
    public double[] Forecast(double[] series, int steps)
    {
        if (steps < 1) throw new ArgumentException($"--steps must be positive, got {steps}.");
        if (series.Length < Window + Offset)
            throw new ArgumentException($"forecast: '{Column}' has {series.Length} values; the window needs {Window + Offset}.");
        var context = new List<float>(Scaled(Transformed(series))[^Window..]);
        var future = new float[steps];
        for (int s = 0; s < steps; s++)
        {
            var x = Tensor<float>.FromValues(context.GetRange(context.Count - Window, Window).ToArray(), 1, Window, 1);
            future[s] = Model.Predict(x)[0, 0];
            context.Add(future[s]);
        }
        return Untransformed(future, series, series.Length - 1);
    }

    /// <summary>Saves the model, the scaler and the window in one model file.</summary>
    public void Save(string path) => ApplicationFile.Save(path, Model, Kind, new JsonObject
    {
        ["column"] = Column,
        ["window"] = Window,
        ["horizon"] = Horizon,
        ["scaler"] = Scaler?.ToJson(),
        ["log"] = Log,
        ["difference"] = Difference,
    });

    /// <summary>Loads a forecaster saved by <see cref="Save"/>.</summary>
    public static Forecaster Load(string path)
    {
        var (model, state) = ApplicationFile.Load(path, Kind);
        try
        {
            Scaler? scaler = state["scaler"] is JsonNode node ? Scaler.FromJson(node, path) : null;
            return new Forecaster(model, scaler, state["column"]!.GetValue<string>(), state["window"]!.GetValue<int>(), state["horizon"]!.GetValue<int>(),
                state["log"]?.GetValue<bool>() ?? false, state["difference"]?.GetValue<bool>() ?? false);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new IO.InvalidModelFileException($"{path}: the forecaster state is malformed ({e.Message}).", e);
        }
    }
}
