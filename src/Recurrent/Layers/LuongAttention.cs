using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Initializers;
using Recurrent.Kernels;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>
/// Luong (multiplicative) attention. Scores of a query q [dq] against a key k [dk]:
/// <c>dot</c>: s = q·k (dq = dk); <c>general</c>: s = q·W·k; with <c>useScale</c> both are multiplied by a learned
/// scalar. Weights = softmax over the value steps, context = Σ weights·value (see <see cref="AttentionLayer{T}"/>).
/// </summary>
/// <remarks>
/// <para>Weights, in order: <c>kernel</c> W [dq, dk] (general only), <c>scale</c> [] (useScale only, starts at 1).
/// The key projection k·Wᵀ [dq] (the key itself for dot) is what a decoder step reuses.</para>
/// <para>Keras: <c>keras.layers.Attention(use_scale=…)</c> is <c>LuongAttention(score: "dot", useScale: …)</c>, with the same
/// <c>scale</c> weight. Keras has no general score (apply a <c>Dense</c> without bias to the key instead); its
/// <c>score_mode="concat"</c> and dropout on the weights are not supported here.</para>
/// </remarks>
/// <example>
/// <code>
/// var attention = new LuongAttention&lt;float&gt;(score: "general");
/// Tensor&lt;float&gt; context = attention.ForwardAttention(decoderOutputs, encoderOutputs, valueMask: sourceMask);
/// // [32, 12, 64] against [32, 20, 48] → context [32, 12, 48]; kernel [64, 48]; attention.Weights [32, 12, 20]
/// </code>
/// </example>
public sealed class LuongAttention<T> : AttentionLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private Parameter<T>? _kernel, _scale;
    private Parameter<T>[] _parameters = [];
    private bool _built;

    /// <summary>Creates the layer: <paramref name="score"/> is "dot" or "general"; the kernel starts glorot_uniform.</summary>
    /// <exception cref="ArgumentException">The score is neither "dot" nor "general".</exception>
    public LuongAttention(string score = "dot", bool useScale = false, Initializer? kernelInitializer = null, int? seed = null,
        string? name = null) : base(name, "luong_attention", seed)
    {
        if (score is not ("dot" or "general"))
            throw new ArgumentException($"{Name}: score must be \"dot\" or \"general\", got \"{score}\".", nameof(score));
        Score = score;
        UseScale = useScale;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
    }

    /// <summary>"dot" (s = q·k) or "general" (s = q·W·k).</summary>
    public string Score { get; }

    /// <summary>Whether the scores are multiplied by a learned scalar (Keras' <c>use_scale</c>).</summary>
    public bool UseScale { get; }

    /// <summary>Initializer of the general score's kernel.</summary>
    public Initializer KernelInitializer { get; }

    private bool General => Score == "general";

    /// <inheritdoc/>
    public override string TypeName => "LuongAttention";

    /// <inheritdoc/>
    public override bool IsBuilt => _built;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <inheritdoc/>
    protected override void CreateWeights(int queryFeatures, int keyFeatures)
    {
        if (General)
        {
            _kernel = new Parameter<T>("kernel", Tensor<T>.Zeros(queryFeatures, keyFeatures));
            KernelInitializer.Fill(_kernel.Value, Random);
        }
        if (UseScale)
        {
            _scale = new Parameter<T>("scale", Tensor<T>.Zeros());
            _scale.Value.Span[0] = T.One;
        }
        _parameters = [.. new[] { _kernel, _scale }.OfType<Parameter<T>>()];
        _built = true;
    }

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (!General)
        {
            // The dot score's only weight, the scale, does not depend on the input sizes.
            CreateWeights(1, 1);
            return;
        }
        if (weights.Count == 0 || weights[0].Rank != 2)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs a kernel of rank 2 [query features, key features] first, got {(weights.Count == 0 ? "no weights" : weights[0].ShapeText)}.");
        Build(weights[0].Dim(0), weights[0].Dim(1));
    }

    /// <inheritdoc/>
    protected override void RequireFeatures(Tensor<T> query, Tensor<T> key)
    {
        int queryFeatures = query.Dim(query.Rank - 1), keyFeatures = key.Dim(key.Rank - 1);
        if (_kernel is null)
        {
            if (queryFeatures != keyFeatures)
                throw new ShapeException($"{Name}: the dot score needs queries and keys of one size, got query {query.ShapeText} and key {key.ShapeText}.");
            return;
        }
        if (queryFeatures != _kernel.Value.Dim(0))
            throw new ShapeException($"{Name}: expected query shape [..., {_kernel.Value.Dim(0)}], got {query.ShapeText}.");
        if (keyFeatures != _kernel.Value.Dim(1))
            throw new ShapeException($"{Name}: expected key shape [..., {_kernel.Value.Dim(1)}], got {key.ShapeText}.");
    }

    /// <inheritdoc/>
    protected override int ProjectedKeyFeatures(int keyFeatures) => _kernel?.Value.Dim(0) ?? keyFeatures;

    /// <inheritdoc/>
    protected override int ScoreCacheLength(int batch, int querySteps, int valueSteps) => UseScale ? batch * querySteps * valueSteps : 0;

    // projectedKeys [rows, dq] = keys [rows, dk] · Wᵀ, or the keys themselves for dot.
    /// <inheritdoc/>
    protected override void ProjectKeys(ReadOnlySpan<T> keys, int rows, Span<T> projectedKeys)
    {
        if (_kernel is null) { keys.CopyTo(projectedKeys); return; }
        int queryFeatures = _kernel.Value.Dim(0), keyFeatures = _kernel.Value.Dim(1);
        Gemm.Multiply(false, true, rows, queryFeatures, keyFeatures, T.One, keys, keyFeatures, _kernel.Value.Data, keyFeatures,
            T.Zero, projectedKeys, queryFeatures);
    }

    // dKeys = dProjected · W, dW += dProjectedᵀ · keys.
    /// <inheritdoc/>
    protected override void ProjectKeysBackward(ReadOnlySpan<T> keys, ReadOnlySpan<T> projectedKeyGradient, int rows, Span<T> keyGradient)
    {
        if (_kernel is null) { projectedKeyGradient.CopyTo(keyGradient); return; }
        int queryFeatures = _kernel.Value.Dim(0), keyFeatures = _kernel.Value.Dim(1);
        Gemm.Multiply(false, false, rows, keyFeatures, queryFeatures, T.One, projectedKeyGradient, queryFeatures, _kernel.Value.Data, keyFeatures,
            T.Zero, keyGradient, keyFeatures);
        Gemm.Multiply(true, false, queryFeatures, keyFeatures, rows, T.One, projectedKeyGradient, queryFeatures, keys, keyFeatures,
            T.One, _kernel.Gradient.Data, keyFeatures);
    }

    // Per row b: scores[:, :L] = scale · query_b [Tq, P] · projectedKeys_b[:L]ᵀ; the cache keeps the unscaled
    // products, which the scale's gradient needs.
    /// <inheritdoc/>
    protected override void Scores(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, Span<T> cache, Span<T> scores)
    {
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        int features = sizes.QueryFeatures; // P = dq for both scores
        Span<T> products = UseScale ? cache : scores;
        for (int b = 0; b < batch; b++)
        {
            int length = validLengths[b];
            Gemm.Multiply(false, true, tq, length, features, T.One, query.Slice(b * tq * features), features,
                projectedKeys.Slice(b * tv * features), features, T.Zero, products.Slice(b * tq * tv), tv);
            if (_scale is null) continue;
            for (int i = 0; i < tq; i++)
            {
                int start = (b * tq + i) * tv;
                TensorPrimitives.Multiply(products.Slice(start, length), _scale.Value.Span[0], scores.Slice(start, length));
            }
        }
    }

    // dQuery_b += scale · dScores_b · projectedKeys_b, dProjected_b += scale · dScores_bᵀ · query_b,
    // dScale += Σ dScores ⊙ products, all over the first L value steps.
    /// <inheritdoc/>
    protected override void ScoresBackward(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, ReadOnlySpan<T> cache, ReadOnlySpan<T> scoreGradient, Span<T> queryGradient, Span<T> projectedKeyGradient)
    {
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        int features = sizes.QueryFeatures;
        T scale = _scale?.Value.Span[0] ?? T.One;
        for (int b = 0; b < batch; b++)
        {
            int length = validLengths[b];
            ReadOnlySpan<T> dScores = scoreGradient.Slice(b * tq * tv);
            Gemm.Multiply(false, false, tq, features, length, scale, dScores, tv, projectedKeys.Slice(b * tv * features), features,
                T.One, queryGradient.Slice(b * tq * features), features);
            Gemm.Multiply(true, false, length, features, tq, scale, dScores, tv, query.Slice(b * tq * features), features,
                T.One, projectedKeyGradient.Slice(b * tv * features), features);
            if (_scale is null) continue;
            for (int i = 0; i < tq; i++)
            {
                int start = (b * tq + i) * tv;
                _scale.Gradient.Span[0] += TensorPrimitives.Dot(dScores.Slice(i * tv, length), cache.Slice(start, length));
            }
        }
    }
}
