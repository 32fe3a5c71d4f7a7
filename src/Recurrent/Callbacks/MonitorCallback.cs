namespace Recurrent.Callbacks;

/// <summary>Whether smaller or larger values of a monitored quantity are better.</summary>
public enum MonitorMode
{
    /// <summary>Keras' "auto": minimise names containing "loss" or error metrics, maximise the rest (accuracy, precision, ...).</summary>
    Auto,
    /// <summary>Smaller is better.</summary>
    Min,
    /// <summary>Larger is better.</summary>
    Max,
}

/// <summary>Shared logic of callbacks that watch one logged value and its best so far (Keras' MonitorCallback).</summary>
public abstract class MonitorCallback(string monitor, MonitorMode mode, double minDelta) : Callback
{
    /// <summary>The log key watched, e.g. "val_loss".</summary>
    public string Monitor { get; } = monitor;

    /// <summary>The best value so far (null before the first).</summary>
    public double? Best { get; protected set; }

    private bool Minimise => mode switch
    {
        MonitorMode.Min => true,
        MonitorMode.Max => false,
        _ => Monitor.Contains("loss") || Monitor.EndsWith("mae") || Monitor.EndsWith("mse") || Monitor.EndsWith("rmse") || Monitor.Contains("error"),
    };

    /// <summary>True when <paramref name="current"/> beats <see cref="Best"/> by more than |min_delta| (the first value always does).</summary>
    protected bool IsImprovement(double current)
    {
        if (Best is not double best) return true;
        double delta = Math.Abs(minDelta);
        return Minimise ? current + delta < best : current - delta > best;
    }

    /// <summary>The monitored value, or throws naming the keys available.</summary>
    protected double Read(IReadOnlyDictionary<string, double> logs) => logs.TryGetValue(Monitor, out double value) ? value
        : throw new KeyNotFoundException($"{GetType().Name}: '{Monitor}' is not in the logs ({string.Join(", ", logs.Keys)}); validation values need validation data or validation_split.");
}
