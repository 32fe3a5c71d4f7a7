using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Initializers;
using Recurrent.Kernels;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Bahdanau (additive) attention. The score of a query q [dq] against a key k [dk] is
/// s = vᵀ · tanh(q·W₁ + k·W₂ + b); weights = softmax over the value steps, context = Σ weights·value
/// (see <see cref="AttentionLayer{T}"/>).
/// </summary>
/// <remarks>
/// <para>Weights, in order: <c>query_kernel</c> W₁ [dq, units], <c>key_kernel</c> W₂ [dk, units], <c>bias</c> b [units]
/// (useBias only), <c>scale</c> v [units]; kernels and v start glorot_uniform, b at zero. The bias sits with the key
/// projection k·W₂ + b [units], which is what a decoder step reuses.</para>
/// <para>Keras: <c>keras.layers.AdditiveAttention(use_scale=True)</c> scores vᵀ·tanh(q + k) with v named <c>scale</c>;
/// it is this layer with W₁ = W₂ = I and no bias, so a Keras model projects query and key with <c>Dense</c> layers
/// first. PyTorch tutorials write the same score with <c>Wa</c>, <c>Ua</c> (each with a bias; their sum is b) and <c>Va</c>.</para>
/// </remarks>
/// <example>
/// <code>
/// var attention = new BahdanauAttention&lt;float&gt;(units: 32);
/// Tensor&lt;float&gt; context = attention.ForwardAttention(decoderOutputs, encoderOutputs, valueMask: sourceMask);
/// // [32, 12, 64] against [32, 20, 48] → context [32, 12, 48]; attention.Weights [32, 12, 20]
/// </code>
/// </example>
public sealed class BahdanauAttention<T> : AttentionLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Parameter<T>? _queryKernel, _keyKernel, _bias, _scale;
    private Parameter<T>[] _parameters = [];
    // dLoss/d(query projection) [B·Tq, units], and one row of the tanh's gradient.
    private readonly ShapeCache<Tensor<T>> _queryProjectionGradient = new();
    private T[] _hiddenGradient = [];

    /// <summary>Creates the layer with <paramref name="units"/> hidden units in the score.</summary>
    public BahdanauAttention(int units, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        int? seed = null, string? name = null) : base(name, "bahdanau_attention", seed)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{Name}: units must be positive.");
        Units = units;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>Hidden units of the score.</summary>
    public int Units { get; }

    /// <summary>Whether the score has a bias b.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of W₁, W₂ and v.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <inheritdoc/>
    public override string TypeName => "BahdanauAttention";

    /// <inheritdoc/>
    public override bool IsBuilt => _queryKernel is not null;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    private int QueryFeatures => _queryKernel!.Value.Dim(0);

    private int KeyFeatures => _keyKernel!.Value.Dim(0);

    /// <inheritdoc/>
    protected override void CreateWeights(int queryFeatures, int keyFeatures)
    {
        _queryKernel = new Parameter<T>("query_kernel", Tensor<T>.Zeros(queryFeatures, Units));
        _keyKernel = new Parameter<T>("key_kernel", Tensor<T>.Zeros(keyFeatures, Units));
        _scale = new Parameter<T>("scale", Tensor<T>.Zeros(Units));
        KernelInitializer.Fill(_queryKernel.Value, Random);
        KernelInitializer.Fill(_keyKernel.Value, Random);
        if (UseBias)
        {
            _bias = new Parameter<T>("bias", Tensor<T>.Zeros(Units));
            BiasInitializer.Fill(_bias.Value, Random);
        }
        KernelInitializer.Fill(_scale.Value, Random);
        _parameters = _bias is null ? [_queryKernel, _keyKernel, _scale] : [_queryKernel, _keyKernel, _bias, _scale];
        _hiddenGradient = new T[Units];
    }

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (weights.Count < 2 || weights[0].Rank != 2 || weights[1].Rank != 2)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs query_kernel [query features, units] and key_kernel [key features, units] first, got {string.Join(", ", weights.Select(w => w.ShapeText))}.");
        Build(weights[0].Dim(0), weights[1].Dim(0));
    }

    /// <inheritdoc/>
    protected override void RequireFeatures(Tensor<T> query, Tensor<T> key)
    {
        if (query.Dim(query.Rank - 1) != QueryFeatures)
            throw new ShapeException($"{Name}: expected query shape [..., {QueryFeatures}], got {query.ShapeText}.");
        if (key.Dim(key.Rank - 1) != KeyFeatures)
            throw new ShapeException($"{Name}: expected key shape [..., {KeyFeatures}], got {key.ShapeText}.");
    }

    /// <inheritdoc/>
    protected override int ProjectedKeyFeatures(int keyFeatures) => Units;

    // The query projection [B·Tq, units], then tanh(query projection + key projection) [B, Tq, Tv, units].
    /// <inheritdoc/>
    protected override int ScoreCacheLength(int batch, int querySteps, int valueSteps) => batch * querySteps * Units * (1 + valueSteps);

    // projectedKeys [rows, units] = keys [rows, dk] · W₂ + b.
    /// <inheritdoc/>
    protected override void ProjectKeys(ReadOnlySpan<T> keys, int rows, Span<T> projectedKeys)
    {
        Gemm.Multiply(false, false, rows, Units, KeyFeatures, T.One, keys, KeyFeatures, _keyKernel!.Value.Data, Units, T.Zero, projectedKeys, Units);
        if (_bias is not null)
            for (int r = 0; r < rows; r++)
                TensorPrimitives.Add(projectedKeys.Slice(r * Units, Units), _bias.Value.Span, projectedKeys.Slice(r * Units, Units));
    }

    // dKeys = dProjected · W₂ᵀ, dW₂ += keysᵀ · dProjected, db += column sums of dProjected.
    /// <inheritdoc/>
    protected override void ProjectKeysBackward(ReadOnlySpan<T> keys, ReadOnlySpan<T> projectedKeyGradient, int rows, Span<T> keyGradient)
    {
        Gemm.Multiply(false, true, rows, KeyFeatures, Units, T.One, projectedKeyGradient, Units, _keyKernel!.Value.Data, Units, T.Zero, keyGradient, KeyFeatures);
        Gemm.Multiply(true, false, KeyFeatures, Units, rows, T.One, keys, KeyFeatures, projectedKeyGradient, Units, T.One, _keyKernel.Gradient.Data, Units);
        if (_bias is not null)
            for (int r = 0; r < rows; r++)
                TensorPrimitives.Add(_bias.Gradient.Span, projectedKeyGradient.Slice(r * Units, Units), _bias.Gradient.Span);
    }

    // scores[b, i, j] = v · tanh(queryProjection[b, i] + projectedKeys[b, j]) for j < L.
    /// <inheritdoc/>
    protected override void Scores(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, Span<T> cache, Span<T> scores)
    {
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        Span<T> queryProjection = cache[..(batch * tq * Units)], hidden = cache[(batch * tq * Units)..];
        Gemm.Multiply(false, false, batch * tq, Units, QueryFeatures, T.One, query, QueryFeatures, _queryKernel!.Value.Data, Units, T.Zero, queryProjection, Units);
        ReadOnlySpan<T> v = _scale!.Value.Span;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
            {
                int row = b * tq + i;
                ReadOnlySpan<T> projectedQuery = queryProjection.Slice(row * Units, Units);
                for (int j = 0; j < validLengths[b]; j++)
                {
                    Span<T> h = hidden.Slice((row * tv + j) * Units, Units);
                    TensorPrimitives.Add(projectedQuery, projectedKeys.Slice((b * tv + j) * Units, Units), h);
                    TensorPrimitives.Tanh(h, h);
                    scores[row * tv + j] = TensorPrimitives.Dot(v, h);
                }
            }
    }

    // With h = tanh(a): dv += dScore·h; da = dScore · v ⊙ (1 − h²) goes to both projections;
    // then dQuery += dQueryProjection · W₁ᵀ and dW₁ += queryᵀ · dQueryProjection.
    /// <inheritdoc/>
    protected override void ScoresBackward(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, ReadOnlySpan<T> cache, ReadOnlySpan<T> scoreGradient, Span<T> queryGradient, Span<T> projectedKeyGradient)
    {
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        ReadOnlySpan<T> hidden = cache[(batch * tq * Units)..], v = _scale!.Value.Span;
        Span<T> dv = _scale.Gradient.Span, da = _hiddenGradient;
        Tensor<T> queryProjectionGradient = _queryProjectionGradient.Get([batch * tq, Units]);
        queryProjectionGradient.Span.Clear();
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
            {
                int row = b * tq + i;
                Span<T> dProjectedQuery = queryProjectionGradient.Span.Slice(row * Units, Units);
                for (int j = 0; j < validLengths[b]; j++)
                {
                    T dScore = scoreGradient[row * tv + j];
                    ReadOnlySpan<T> h = hidden.Slice((row * tv + j) * Units, Units);
                    TensorPrimitives.MultiplyAdd(h, dScore, dv, dv);
                    TensorPrimitives.Multiply(h, h, da);
                    TensorPrimitives.Subtract(T.One, da, da);
                    TensorPrimitives.Multiply(da, v, da);
                    TensorPrimitives.Multiply(da, dScore, da);
                    TensorPrimitives.Add(dProjectedQuery, da, dProjectedQuery);
                    Span<T> dProjectedKey = projectedKeyGradient.Slice((b * tv + j) * Units, Units);
                    TensorPrimitives.Add(dProjectedKey, da, dProjectedKey);
                }
            }
        Gemm.Multiply(false, true, batch * tq, QueryFeatures, Units, T.One, queryProjectionGradient.Data, Units, _queryKernel!.Value.Data, Units,
            T.One, queryGradient, QueryFeatures);
        Gemm.Multiply(true, false, QueryFeatures, Units, batch * tq, T.One, query, QueryFeatures, queryProjectionGradient.Data, Units,
            T.One, _queryKernel.Gradient.Data, Units);
    }
}
