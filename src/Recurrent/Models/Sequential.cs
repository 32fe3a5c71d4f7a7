using System.Globalization;
using System.Numerics;
using System.Text;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// Keras' <c>Sequential</c>: a stack of layers, each feeding the next, with Keras' mask propagation
/// (e.g. <c>Embedding(maskZero: true)</c> → LSTM skips padded steps).
/// </summary>
/// <example>
/// <code>
/// var model = new Sequential&lt;float&gt;([new SimpleRnn&lt;float&gt;(4), new Dense&lt;float&gt;(1)], inputShape: [3, 2], seed: 1);
/// model.Compile(new Adam(0.01), Loss.MeanSquaredError);
/// History history = model.Fit(x, y, epochs: 2000, verbose: 0);   // x [3, 3, 2], y [3, 1]
/// Tensor&lt;float&gt; prediction = model.Predict(x);                 // [3, 1]
/// </code>
/// </example>
public sealed class Sequential<T> : Model<T> where T : struct, IFloatingPointIeee754<T>
{
    private readonly List<Layer<T>> _layers = [];

    /// <summary>Creates the model from <paramref name="layers"/>; with <paramref name="inputShape"/> (without the batch axis) it is built at once.</summary>
    public Sequential(IEnumerable<Layer<T>>? layers = null, int[]? inputShape = null, int? seed = null, string? name = null)
        : base(name, "sequential", seed)
    {
        foreach (Layer<T> layer in layers ?? []) Add(layer);
        if (inputShape is not null) Build(inputShape);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Layer<T>> Layers => _layers;

    /// <summary>Appends a layer (before the model is built).</summary>
    public void Add(Layer<T> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (IsBuilt) throw new InvalidOperationException($"{Name}: cannot add layer '{layer.Name}' to a built model.");
        if (_layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"{Name}: a layer named '{layer.Name}' is already in the model.");
        _layers.Add(layer);
    }

    /// <inheritdoc/>
    public override void Build(params int[] inputShape)
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"{Name}: add layers before building.");
        SeedLayers();
        int[] shape = inputShape;
        foreach (Layer<T> layer in _layers)
        {
            if (!layer.IsBuilt) layer.Build(shape);
            shape = layer.ComputeOutputShape(shape);
        }
        InputShape = (int[])inputShape.Clone();
    }

    /// <inheritdoc/>
    protected override Tensor<T> ForwardBatch(Tensor<T> x, bool training, out bool[,]? mask)
    {
        mask = null;
        foreach (Layer<T> layer in _layers) x = layer.Forward(x, mask, training, out mask);
        return x;
    }

    /// <inheritdoc/>
    protected override void BackwardBatch(Tensor<T> gradient, bool intoPreActivation)
    {
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            if (i == _layers.Count - 1 && intoPreActivation) gradient = ((IFusedOutput<T>)_layers[i]).BackwardFromPreActivation(gradient);
            else if (i > 0) gradient = _layers[i].Backward(gradient);
            // Nothing reads the model's input gradient.
            else _layers[i].BackwardWithoutInputGradient(gradient);
        }
    }

    /// <inheritdoc/>
    protected override Model<T> CreateReplica() =>
        ShareParametersWith(new Sequential<T>(_layers.Select(l => IO.LayerConfig.FromJson<T>(IO.LayerConfig.ToJson(l), Name)), InputShape, name: Name));

    /// <inheritdoc/>
    protected override IFusedOutput<T>? FusableOutput => _layers.Count > 0 ? _layers[^1] as IFusedOutput<T> : null;

    /// <summary>
    /// Keras 3's summary table (layer name and type, output shape with None for the batch, parameter count) and the
    /// total / trainable / non-trainable counts with their size in memory. Written to <see cref="Model{T}.Log"/> and returned.
    /// </summary>
    public string Summary()
    {
        const int nameWidth = 33, shapeWidth = 24, countWidth = 15;
        var text = new StringBuilder();
        text.Append($"Model: \"{Name}\"\n");
        string Rule(char left, char fill, char middle, char right) =>
            $"{left}{new string(fill, nameWidth)}{middle}{new string(fill, shapeWidth)}{middle}{new string(fill, countWidth)}{right}\n";
        string Row(char border, string name, string shape, string count) =>
            $"{border} {Fit(name, nameWidth - 2)} {border} {Fit(shape, shapeWidth - 2)} {border} {count.PadLeft(countWidth - 2)} {border}\n";

        text.Append(Rule('┏', '━', '┳', '┓'));
        text.Append(Row('┃', "Layer (type)", "Output Shape", "Param #"));
        text.Append(Rule('┡', '━', '╇', '┩'));
        int[]? shape = InputShape;
        for (int i = 0; i < _layers.Count; i++)
        {
            Layer<T> layer = _layers[i];
            string output = "?";
            if (shape is not null)
            {
                shape = layer.ComputeOutputShape(shape);
                output = "(None, " + string.Join(", ", shape.Select(d => d < 0 ? "None" : d.ToString(CultureInfo.InvariantCulture))) + ")";
            }
            string count = layer.IsBuilt ? Count(layer.Parameters.Sum(p => (long)p.Value.Length)) : "0 (unbuilt)";
            text.Append(Row('│', $"{layer.Name} ({layer.TypeName})", output, count));
            text.Append(i < _layers.Count - 1 ? Rule('├', '─', '┼', '┤') : Rule('└', '─', '┴', '┘'));
        }
        long total = _layers.Sum(l => l.Parameters.Sum(p => (long)p.Value.Length));
        long trainable = _layers.Where(l => l.Trainable).Sum(l => l.Parameters.Sum(p => (long)p.Value.Length));
        int bytes = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        text.Append($" Total params: {Count(total)} ({Memory(total * bytes)})\n");
        text.Append($" Trainable params: {Count(trainable)} ({Memory(trainable * bytes)})\n");
        text.Append($" Non-trainable params: {Count(total - trainable)} ({Memory((total - trainable) * bytes)})\n");
        Log.Write(text.ToString());
        return text.ToString();
    }

    private static string Fit(string text, int width) => text.Length > width ? text[..(width - 1)] + "…" : text.PadRight(width);

    private static string Count(long count) => count.ToString("#,0", CultureInfo.InvariantCulture);

    // Keras: base 1024, two decimals, units B, KB, MB, GB.
    private static string Memory(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double size = bytes;
        int unit = 0;
        while (size >= 1024 && unit < units.Length - 1) { size /= 1024; unit++; }
        return size.ToString("0.00", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
