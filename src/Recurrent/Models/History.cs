namespace Recurrent.Models;

/// <summary>What <c>Fit</c> returns: per epoch, the loss, the metrics and their validation versions (Keras' <c>History</c>).</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = [];

    /// <summary>Values by name ("loss", "accuracy", "val_loss", ...), one per completed epoch.</summary>
    public IReadOnlyDictionary<string, List<double>> Values => _values;

    /// <summary>Indices of the completed epochs.</summary>
    public List<int> Epochs { get; } = [];

    /// <summary>The values of <paramref name="name"/>; throws naming the known keys when absent.</summary>
    public IReadOnlyList<double> this[string name] => _values.TryGetValue(name, out var values) ? values
        : throw new KeyNotFoundException($"History has no '{name}'; it has {string.Join(", ", _values.Keys)}.");

    internal void Add(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        Epochs.Add(epoch);
        foreach (var (name, value) in logs)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(value);
        }
    }
}
