using System.Numerics;
using Recurrent.Initializers;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Keras' <c>LayerNormalization</c> over the last axis: y = γ ⊙ (x − mean) / √(var + ε) + β, with the mean and the
/// (biased) variance of each row; ε = 1e-3 as in Keras.
/// </summary>
/// <example><code>var norm = new LayerNormalization&lt;float&gt;();   // [B, T, F] → same shape</code></example>
public sealed class LayerNormalization<T> : Layer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Parameter<T>? _gamma, _beta;
    private Tensor<T>? _normalized;
    private T[] _inverseDeviation = [];

    /// <summary>Creates the layer.</summary>
    public LayerNormalization(double epsilon = 1e-3, bool center = true, bool scale = true, string? name = null)
        : base(name, "layer_normalization")
    {
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
    }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether β is learned.</summary>
    public bool Center { get; }

    /// <summary>Whether γ is learned.</summary>
    public bool Scale { get; }

    /// <inheritdoc/>
    public override string TypeName => "LayerNormalization";

    /// <inheritdoc/>
    public override bool IsBuilt { get => _built; }
    private bool _built;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters =>
        new[] { _gamma, _beta }.Where(p => p is not null).Select(p => p!).ToArray();

    private int Features => _normalized?.Dim(_normalized.Rank - 1) ?? _gamma?.Value.Length ?? _beta!.Value.Length;

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length == 0 || inputShape[^1] <= 0)
            throw new ShapeException($"{Name}: expected input with a known last axis, got shape [batch, {string.Join(", ", inputShape.ToArray())}].");
        int features = inputShape[^1];
        if (Scale)
        {
            _gamma = new Parameter<T>("gamma", Tensor<T>.Zeros(features));
            Initializer.Ones.Fill(_gamma.Value, Random);
        }
        if (Center) _beta = new Parameter<T>("beta", Tensor<T>.Zeros(features));
        _built = true;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (weights.Count == 0 || weights[0].Rank != 1)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs a vector [features] first, got {(weights.Count == 0 ? "no weights" : weights[0].ShapeText)}.");
        Build([weights[0].Dim(0)]);
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw new ShapeException($"{Name}: expected input of rank 2 or more [batch, ..., features], got shape {input.ShapeText}.");
        if (!IsBuilt) Build(input.Shape[1..]);
        int features = _gamma?.Value.Length ?? _beta?.Value.Length ?? input.Dim(input.Rank - 1);
        if (input.Dim(input.Rank - 1) != features)
            throw new ShapeException($"{Name}: expected input shape [..., {features}], got {input.ShapeText}.");
        int rows = input.Length / features;
        var normalized = Tensor<T>.Zeros(input.Shape.ToArray());
        var output = Tensor<T>.Zeros(input.Shape.ToArray());
        if (_inverseDeviation.Length != rows) _inverseDeviation = new T[rows];
        T count = T.CreateChecked(features), epsilon = T.CreateChecked(Epsilon);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> x = input.Span.Slice(r * features, features);
            T mean = T.Zero, variance = T.Zero;
            foreach (T v in x) mean += v;
            mean /= count;
            foreach (T v in x) variance += (v - mean) * (v - mean);
            variance /= count;
            T inverse = T.One / T.Sqrt(variance + epsilon);
            _inverseDeviation[r] = inverse;
            for (int j = 0; j < features; j++)
            {
                T n = (x[j] - mean) * inverse;
                normalized.Span[r * features + j] = n;
                output.Span[r * features + j] = n * (_gamma is null ? T.One : _gamma.Value.Span[j]) + (_beta is null ? T.Zero : _beta.Value.Span[j]);
            }
        }
        _normalized = normalized;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        Tensor<T> normalized = _normalized ?? throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        outputGradient.RequireShapeOf(Name, "output gradient", normalized);
        int features = Features, rows = normalized.Length / features;
        var inputGradient = Tensor<T>.Zeros(normalized.Shape.ToArray());
        T count = T.CreateChecked(features);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> n = normalized.Span.Slice(r * features, features), dy = outputGradient.Span.Slice(r * features, features);
            // dn = dy ⊙ γ;  dx = (dn − mean(dn) − n ⊙ mean(dn ⊙ n)) / σ
            T sum = T.Zero, sumWeighted = T.Zero;
            for (int j = 0; j < features; j++)
            {
                T dn = dy[j] * (_gamma is null ? T.One : _gamma.Value.Span[j]);
                sum += dn;
                sumWeighted += dn * n[j];
                if (_gamma is not null) _gamma.Gradient.Span[j] += dy[j] * n[j];
                if (_beta is not null) _beta.Gradient.Span[j] += dy[j];
            }
            for (int j = 0; j < features; j++)
            {
                T dn = dy[j] * (_gamma is null ? T.One : _gamma.Value.Span[j]);
                inputGradient.Span[r * features + j] = (dn - sum / count - n[j] * sumWeighted / count) * _inverseDeviation[r];
            }
        }
        return inputGradient;
    }
}
