using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Kernels;
using Recurrent.Kernels.Activations;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>What an attention layer's backward pass returns.</summary>
/// <param name="Query">dLoss/d(query), [B, Tq, dq].</param>
/// <param name="Value">dLoss/d(value), [B, Tv, dv]; it includes the key's share when the value served as key.</param>
/// <param name="Key">dLoss/d(key), [B, Tv, dk], or null when no separate key was given.</param>
public sealed record AttentionGradients<T>(Tensor<T> Query, Tensor<T> Value, Tensor<T>? Key)
    where T : struct, IFloatingPointIeee754<T>;

/// <summary>The sizes of one attention pass: B rows, Tq query steps of dq features, Tv value steps.</summary>
/// <param name="Batch">B.</param>
/// <param name="QuerySteps">Tq.</param>
/// <param name="ValueSteps">Tv.</param>
/// <param name="QueryFeatures">dq.</param>
public readonly record struct AttentionSizes(int Batch, int QuerySteps, int ValueSteps, int QueryFeatures);

/// <summary>
/// The shared half of attention (what Keras' <c>Attention._apply_scores</c> does): given scores [B, Tq, Tv] from a
/// subclass, weights = softmax over the unpadded value steps, context = weights · value [B, Tq, dv], and zero
/// context at padded query steps; the backward of all that; the two-input API, self-attention as a single-input
/// layer, and the incremental decoder step (<see cref="Precompute"/>, <see cref="Step"/>).
/// </summary>
/// <remarks>
/// <para>Subclasses supply the score: a key projection computed once per value sequence (so a decoder step reuses
/// it), and the score of the projected keys against the queries, each with its backward.</para>
/// <para>Masks: a value step whose mask is false gets weight exactly 0 (Keras subtracts 1e9 from its score, which
/// gives the same weights unless a whole row is padding). Each row is computed over its steps up to the last unpadded
/// one only, so appending padded steps changes neither weights nor context, bit for bit. A row whose value steps are
/// all padding gets all-zero weights, a zero context and zero gradients (Keras would spread the weights evenly over
/// the padding). A query step whose mask is false gets a zero context, as in Keras 3; its weights are still reported.</para>
/// </remarks>
public abstract class AttentionLayer<T> : Layer<T>, IMultiInputLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    // Forward facts for the backward pass.
    private Tensor<T>? _query, _value, _key, _projectedKeys, _scoreCache;
    private bool[,]? _queryMask;
    private int[] _validLengths = [];
    // Workspaces of the forward pass (reused at every call) and results of training calls (see Layer.Forward).
    private readonly ShapeCache<Tensor<T>> _projectedKeyBuffer = new(), _scoreCacheBuffer = new(), _trainingWeights = new(), _trainingContext = new();
    // Backward workspaces and the returned gradients, reused from one training step to the next.
    private readonly ShapeCache<Tensor<T>> _maskedContextGradient = new(), _scoreGradient = new(), _queryGradient = new(),
        _valueGradient = new(), _keyGradient = new(), _projectedKeyGradient = new(), _selfGradient = new();
    private readonly ShapeCache<AttentionGradients<T>> _gradients = new();

    /// <summary>Names the layer (see <see cref="Layer{T}"/>).</summary>
    protected AttentionLayer(string? name, string prefix, int? seed) : base(name, prefix, seed) { }

    /// <summary>The attention weights of the last forward pass, [B, Tq, Tv] (Keras' attention scores); null before one.</summary>
    /// <remarks>Like the context, a training call's weights are overwritten by the next training call.</remarks>
    public Tensor<T>? Weights { get; private set; }

    /// <summary>Creates the weights for queries of <paramref name="queryFeatures"/> and keys of <paramref name="keyFeatures"/> features.</summary>
    public void Build(int queryFeatures, int keyFeatures)
    {
        if (queryFeatures <= 0 || keyFeatures <= 0)
            throw new ShapeException($"{Name}: query and key feature sizes must be positive, got {queryFeatures} and {keyFeatures}.");
        CreateWeights(queryFeatures, keyFeatures);
    }

    /// <summary>Two: the context [B, Tq, dv] and the attention weights [B, Tq, Tv].</summary>
    public int OutputCount => 2;

    /// <summary>Builds for query [Tq, dq], value [Tv, dv] and optionally key [Tv, dk] (without the batch axis).</summary>
    public void Build(IReadOnlyList<int[]> inputShapes)
    {
        ComputeOutputShapes(inputShapes);
        if (!IsBuilt) Build(inputShapes[0][1], inputShapes[^1][1]);
    }

    /// <summary>Context [Tq, dv] and weights [Tq, Tv] for query [Tq, dq], value [Tv, dv] and optionally key [Tv, dk].</summary>
    public int[][] ComputeOutputShapes(IReadOnlyList<int[]> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        string Shapes() => string.Join(", ", inputShapes.Select(s => "(None" + string.Concat(s.Select(d => d < 0 ? ", None" : $", {d}")) + ")"));
        if (inputShapes.Count is not (2 or 3) || inputShapes.Any(s => s.Length != 2 || s[1] < 0))
            throw new ShapeException($"{Name}: expected query, value and optionally key, each (None, steps, features) with known features; got {Shapes()}.");
        if (inputShapes.Count == 3 && inputShapes[2][0] >= 0 && inputShapes[1][0] >= 0 && inputShapes[2][0] != inputShapes[1][0])
            throw new ShapeException($"{Name}: key and value must have the same steps; got {Shapes()}.");
        return [[inputShapes[0][0], inputShapes[1][1]], [inputShapes[0][0], inputShapes[1][0]]];
    }

    /// <summary>Attends query (inputs[0]) to value (inputs[1], keyed by inputs[2] when given) under their masks; outputs context and weights.</summary>
    public bool[,]? ForwardInputs(ReadOnlySpan<Tensor<T>> inputs, ReadOnlySpan<bool[,]?> masks, bool training, Span<Tensor<T>> outputs)
    {
        outputs[0] = ForwardAttention(inputs[0], inputs[1], inputs.Length > 2 ? inputs[2] : null, masks[1], masks[0], training);
        outputs[1] = Weights!;
        return masks[0];
    }

    /// <summary>Backpropagates the context's gradient into query, value and key.</summary>
    /// <exception cref="NotSupportedException">A loss reads the attention weights (they are for inspection).</exception>
    public void BackwardInputs(ReadOnlySpan<Tensor<T>?> outputGradients, Span<Tensor<T>?> inputGradients)
    {
        if (outputGradients.Length > 1 && outputGradients[1] is not null)
            throw new NotSupportedException($"{Name}: training through the attention weights is not supported; they are an output for inspection.");
        inputGradients.Clear();
        if (outputGradients[0] is not Tensor<T> contextGradient) return;
        AttentionGradients<T> gradients = BackwardAttention(contextGradient);
        inputGradients[0] = gradients.Query;
        inputGradients[1] = gradients.Value;
        if (inputGradients.Length > 2) inputGradients[2] = gradients.Key;
    }

    /// <summary>Self-attention: inputs [T, d] (without the batch axis) serve as query, key and value.</summary>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 2 || inputShape[1] <= 0)
            throw new ShapeException($"{Name}: expected input of rank 3 [batch, time, features], got shape [batch, {string.Join(", ", inputShape.ToArray())}].");
        Build(inputShape[1], inputShape[1]);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <summary>
    /// Attends <paramref name="query"/> [B, Tq, dq] to <paramref name="value"/> [B, Tv, dv] and returns the context
    /// [B, Tq, dv]; the weights [B, Tq, Tv] are kept in <see cref="Weights"/>.
    /// </summary>
    /// <param name="query">The queries, e.g. the decoder's outputs.</param>
    /// <param name="value">The values, e.g. the encoder's outputs.</param>
    /// <param name="key">The keys [B, Tv, dk] scored against the queries; null uses the value.</param>
    /// <param name="valueMask">[B, Tv], false at padded value steps; null: none padded.</param>
    /// <param name="queryMask">[B, Tq], false at padded query steps (their context is zero); null: none padded.</param>
    /// <param name="training">Reuse the result buffers from the last training call (see <see cref="Layer{T}.Forward(Tensor{T}, bool)"/>).</param>
    /// <example>
    /// <code>
    /// var attention = new LuongAttention&lt;float&gt;("general");
    /// Tensor&lt;float&gt; context = attention.ForwardAttention(decoderOutputs, encoderOutputs, valueMask: sourceMask);
    /// // decoderOutputs [32, 12, 64], encoderOutputs [32, 20, 64] → context [32, 12, 64], attention.Weights [32, 12, 20]
    /// </code>
    /// </example>
    /// <exception cref="ShapeException">A rank, batch, step count, feature size or mask shape does not fit; the message names the layer and the shapes.</exception>
    public Tensor<T> ForwardAttention(Tensor<T> query, Tensor<T> value, Tensor<T>? key = null, bool[,]? valueMask = null,
        bool[,]? queryMask = null, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        Tensor<T> keys = RequireValues(value, key, valueMask);
        if (query.Rank != 3)
            throw new ShapeException($"{Name}: expected query of rank 3 [batch, steps, features], got shape {query.ShapeText}.");
        if (query.Dim(0) != value.Dim(0))
            throw new ShapeException($"{Name}: query {query.ShapeText} and value {value.ShapeText} must have the same batch size.");
        if (queryMask is not null && (queryMask.GetLength(0) != query.Dim(0) || queryMask.GetLength(1) != query.Dim(1)))
            throw new ShapeException($"{Name}: query mask expected shape [{query.Dim(0)}, {query.Dim(1)}], got [{queryMask.GetLength(0)}, {queryMask.GetLength(1)}].");
        if (!IsBuilt) Build(query.Dim(2), keys.Dim(2));
        RequireFeatures(query, keys);

        var sizes = new AttentionSizes(query.Dim(0), query.Dim(1), value.Dim(1), query.Dim(2));
        Tensor<T> projectedKeys = _projectedKeyBuffer.Get([sizes.Batch, sizes.ValueSteps, ProjectedKeyFeatures(keys.Dim(2))]);
        ProjectKeys(keys.Span, sizes.Batch * sizes.ValueSteps, projectedKeys.Span);
        if (_validLengths.Length != sizes.Batch) _validLengths = new int[sizes.Batch];
        ValidLengths(valueMask, sizes.ValueSteps, _validLengths);
        Tensor<T> scoreCache = _scoreCacheBuffer.Get([ScoreCacheLength(sizes.Batch, sizes.QuerySteps, sizes.ValueSteps)]);
        ReadOnlySpan<int> weightShape = [sizes.Batch, sizes.QuerySteps, sizes.ValueSteps], contextShape = [sizes.Batch, sizes.QuerySteps, value.Dim(2)];
        Tensor<T> weights = training ? _trainingWeights.Get(weightShape) : Tensor<T>.Zeros(weightShape.ToArray());
        Tensor<T> context = training ? _trainingContext.Get(contextShape) : Tensor<T>.Zeros(contextShape.ToArray());
        Attend(query.Span, projectedKeys.Span, value.Span, value.Dim(2), sizes, _validLengths, valueMask, queryMask,
            scoreCache.Span, weights.Span, context.Span);
        (_query, _value, _key, _projectedKeys, _scoreCache, _queryMask, Weights) = (query, value, key, projectedKeys, scoreCache, queryMask, weights);
        return context;
    }

    /// <summary>
    /// Given dLoss/d(context of the last <see cref="ForwardAttention"/>), returns the gradients of query, value and
    /// key, and accumulates (+=) the weight gradients.
    /// </summary>
    /// <remarks>The returned tensors may be overwritten by the next backward pass.</remarks>
    public AttentionGradients<T> BackwardAttention(Tensor<T> contextGradient)
    {
        ArgumentNullException.ThrowIfNull(contextGradient);
        if (_query is null || _value is null || _projectedKeys is null || Weights is null)
            throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        Tensor<T> query = _query, value = _value, keys = _key ?? _value, weights = Weights;
        int valueFeatures = value.Dim(2);
        var sizes = new AttentionSizes(query.Dim(0), query.Dim(1), value.Dim(1), query.Dim(2));
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        contextGradient.RequireShape(Name, "context gradient", batch, tq, valueFeatures);

        // context = queryMask ⊙ (weights · value), so padded query steps pass no gradient back.
        Tensor<T> maskedGradient = contextGradient;
        if (_queryMask is not null)
        {
            maskedGradient = _maskedContextGradient.Get(contextGradient.Shape);
            contextGradient.Span.CopyTo(maskedGradient.Span);
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < tq; i++)
                    if (!_queryMask[b, i]) maskedGradient.Span.Slice((b * tq + i) * valueFeatures, valueFeatures).Clear();
        }

        // Per row b, over its first L value steps (the weights beyond are zero):
        // dWeights = dContext · valueᵀ, dValue = weightsᵀ · dContext, then through the softmax into dScores.
        Tensor<T> scoreGradient = _scoreGradient.Get(weights.Shape);
        Tensor<T> valueGradient = _valueGradient.Get(value.Shape);
        for (int b = 0; b < batch; b++)
        {
            int length = _validLengths[b];
            ReadOnlySpan<T> dContext = maskedGradient.Span.Slice(b * tq * valueFeatures), valueRows = value.Span.Slice(b * tv * valueFeatures);
            Span<T> dScores = scoreGradient.Span.Slice(b * tq * tv), dValue = valueGradient.Span.Slice(b * tv * valueFeatures, tv * valueFeatures);
            ReadOnlySpan<T> rowWeights = weights.Span.Slice(b * tq * tv);
            Gemm.Multiply(false, true, tq, length, valueFeatures, T.One, dContext, valueFeatures, valueRows, valueFeatures, T.Zero, dScores, tv);
            Gemm.Multiply(true, false, length, valueFeatures, tq, T.One, rowWeights, tv, dContext, valueFeatures, T.Zero, dValue, valueFeatures);
            dValue[(length * valueFeatures)..].Clear();
            for (int i = 0; i < tq && length > 0; i++)
            {
                ReadOnlySpan<T> y = rowWeights.Slice(i * tv, length);
                Span<T> dy = dScores.Slice(i * tv, length);
                Activation<T>.Softmax.Backward(y, y, dy, dy);
            }
        }

        Tensor<T> queryGradient = _queryGradient.Get(query.Shape);
        Tensor<T> projectedKeyGradient = _projectedKeyGradient.Get(_projectedKeys.Shape);
        queryGradient.Span.Clear();
        projectedKeyGradient.Span.Clear();
        ScoresBackward(query.Span, _projectedKeys.Span, sizes, _validLengths, _scoreCache!.Span, scoreGradient.Span, queryGradient.Span, projectedKeyGradient.Span);
        Tensor<T> keyGradient = _keyGradient.Get(keys.Shape);
        ProjectKeysBackward(keys.Span, projectedKeyGradient.Span, batch * tv, keyGradient.Span);
        if (_key is null) TensorPrimitives.Add(valueGradient.Span, keyGradient.Span, valueGradient.Span);
        Tensor<T>? separateKey = _key is null ? null : keyGradient;
        return _gradients.Find((queryGradient, valueGradient, separateKey),
                static (g, key) => g.Query == key.queryGradient && g.Value == key.valueGradient && g.Key == key.separateKey)
            ?? _gradients.Add(new AttentionGradients<T>(queryGradient, valueGradient, separateKey));
    }

    /// <summary>Self-attention: the input [B, T, d] is query, key and value.</summary>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false) => ForwardAttention(input, input, training: training);

    /// <summary>Self-attention with the mask as both query and value mask; the output keeps the mask, as Keras' query mask.</summary>
    public override Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        outputMask = mask;
        return ForwardAttention(input, input, null, mask, mask, training);
    }

    /// <summary>Self-attention's backward: dLoss/d(input) = the query's gradient plus the value's (which holds the key's).</summary>
    /// <exception cref="InvalidOperationException">The last forward pass was not self-attention; use <see cref="BackwardAttention"/>.</exception>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        if (_query is not null && (_query != _value || _key is not null))
            throw new InvalidOperationException($"{Name}: the last forward pass had separate query and value; use BackwardAttention.");
        AttentionGradients<T> gradients = BackwardAttention(outputGradient);
        Tensor<T> inputGradient = _selfGradient.Get(gradients.Query.Shape);
        TensorPrimitives.Add(gradients.Query.Span, gradients.Value.Span, inputGradient.Span);
        return inputGradient;
    }

    /// <summary>
    /// Projects the keys of <paramref name="value"/> [B, Tv, dv] once, for decoder steps that each attend one query
    /// per row to them (<see cref="Step"/>). The layer must be built. The memory keeps <paramref name="value"/>, which
    /// must not change while the memory is used, and a copy of the mask.
    /// </summary>
    /// <example>
    /// <code>
    /// AttentionMemory&lt;float&gt; memory = attention.Precompute(encoderOutputs, valueMask: sourceMask);   // [B, Tv, dv]
    /// Tensor&lt;float&gt; context = attention.Step(memory, decoderState);   // [B, dq] → [B, dv]; memory.Weights [B, Tv]
    /// </code>
    /// </example>
    public AttentionMemory<T> Precompute(Tensor<T> value, Tensor<T>? key = null, bool[,]? valueMask = null)
    {
        Tensor<T> keys = RequireValues(value, key, valueMask);
        if (!IsBuilt) throw new InvalidOperationException($"{Name}: the layer is not built yet (call Build or a forward pass first).");
        int batch = value.Dim(0), valueSteps = value.Dim(1);
        var projectedKeys = Tensor<T>.Zeros(batch, valueSteps, ProjectedKeyFeatures(keys.Dim(2)));
        ProjectKeys(keys.Span, batch * valueSteps, projectedKeys.Span);
        var validLengths = new int[batch];
        ValidLengths(valueMask, valueSteps, validLengths);
        return new AttentionMemory<T>(this, value, keys, projectedKeys, validLengths, (bool[,]?)valueMask?.Clone(),
            new T[ScoreCacheLength(batch, 1, valueSteps)]);
    }

    /// <summary>
    /// One decoder step: attends <paramref name="query"/> [B, dq] to the memory's values and returns the context
    /// [B, dv] (weights in <see cref="AttentionMemory{T}.Weights"/>). Both belong to the memory and are overwritten by
    /// its next step; a step allocates nothing. Inference only (no backward); the result equals
    /// <see cref="ForwardAttention"/> with one query step, bit for bit.
    /// </summary>
    public Tensor<T> Step(AttentionMemory<T> memory, Tensor<T> query)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(query);
        if (memory.Owner != this) throw new ArgumentException($"{Name}: the memory was precomputed by layer {memory.Owner.Name}.", nameof(memory));
        if (query.Rank != 2 || query.Dim(0) != memory.Value.Dim(0))
            throw new ShapeException($"{Name}: step query expected shape [{memory.Value.Dim(0)}, features] for value {memory.Value.ShapeText}, got {query.ShapeText}.");
        RequireFeatures(query, memory.Key);
        Attend(query.Span, memory.ProjectedKeys.Span, memory.Value.Span, memory.Value.Dim(2), new AttentionSizes(query.Dim(0), 1, memory.Value.Dim(1), query.Dim(1)),
            memory.ValidLengths, memory.ValueMask, null, memory.ScoreCache, memory.Weights.Span, memory.Context.Span);
        return memory.Context;
    }

    // The shared forward: scores from the subclass into the weights buffer, the masked softmax over each row's first
    // L value steps (L = its last unpadded step + 1), then context = weights · value over those steps only.
    private void Attend(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, ReadOnlySpan<T> value, int valueFeatures,
        AttentionSizes sizes, ReadOnlySpan<int> validLengths, bool[,]? valueMask, bool[,]? queryMask,
        Span<T> scoreCache, Span<T> weights, Span<T> context)
    {
        (int batch, int tq, int tv) = (sizes.Batch, sizes.QuerySteps, sizes.ValueSteps);
        Scores(query, projectedKeys, sizes, validLengths, scoreCache, weights);
        for (int b = 0; b < batch; b++)
        {
            int length = validLengths[b];
            for (int i = 0; i < tq; i++)
            {
                Span<T> row = weights.Slice((b * tq + i) * tv, tv);
                if (valueMask is not null)
                    for (int j = 0; j < length; j++)
                        if (!valueMask[b, j]) row[j] = T.NegativeInfinity;
                // The last step before L is unpadded, so the maximum is finite and exp(−∞ − max) is exactly 0.
                if (length > 0) Activation<T>.Softmax.Forward(row[..length], row[..length]);
                row[length..].Clear();
            }
            Span<T> rowContext = context.Slice(b * tq * valueFeatures, tq * valueFeatures);
            Gemm.Multiply(false, false, tq, valueFeatures, length, T.One, weights.Slice(b * tq * tv), tv,
                value.Slice(b * tv * valueFeatures), valueFeatures, T.Zero, rowContext, valueFeatures);
            if (queryMask is not null)
                for (int i = 0; i < tq; i++)
                    if (!queryMask[b, i]) rowContext.Slice(i * valueFeatures, valueFeatures).Clear();
        }
    }

    // Checks value [B, Tv, dv], key [B, Tv, dk] and the value mask [B, Tv]; returns the keys (the value when key is null).
    private Tensor<T> RequireValues(Tensor<T> value, Tensor<T>? key, bool[,]? valueMask)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Rank != 3)
            throw new ShapeException($"{Name}: expected value of rank 3 [batch, steps, features], got shape {value.ShapeText}.");
        if (key is not null && (key.Rank != 3 || key.Dim(0) != value.Dim(0) || key.Dim(1) != value.Dim(1)))
            throw new ShapeException($"{Name}: key {key.ShapeText} must have the batch size and steps of value {value.ShapeText}.");
        if (valueMask is not null && (valueMask.GetLength(0) != value.Dim(0) || valueMask.GetLength(1) != value.Dim(1)))
            throw new ShapeException($"{Name}: value mask expected shape [{value.Dim(0)}, {value.Dim(1)}], got [{valueMask.GetLength(0)}, {valueMask.GetLength(1)}].");
        return key ?? value;
    }

    // L per row: one past the last unpadded value step (0 when all are padding; Tv without a mask).
    private static void ValidLengths(bool[,]? valueMask, int valueSteps, Span<int> lengths)
    {
        for (int b = 0; b < lengths.Length; b++)
        {
            int length = valueSteps;
            if (valueMask is not null)
                while (length > 0 && !valueMask[b, length - 1]) length--;
            lengths[b] = length;
        }
    }

    /// <summary>Creates and initialises the weights for the given query and key feature sizes.</summary>
    protected abstract void CreateWeights(int queryFeatures, int keyFeatures);

    /// <summary>Throws a <see cref="ShapeException"/> naming the layer unless the last axes of query and key fit the weights.</summary>
    protected abstract void RequireFeatures(Tensor<T> query, Tensor<T> key);

    /// <summary>P, the features of a projected key, for keys of <paramref name="keyFeatures"/> features.</summary>
    protected abstract int ProjectedKeyFeatures(int keyFeatures);

    /// <summary>Elements of the cache that <see cref="Scores"/> fills for <see cref="ScoresBackward"/>.</summary>
    protected abstract int ScoreCacheLength(int batch, int querySteps, int valueSteps);

    /// <summary>Writes the projected keys [rows, P] of <paramref name="keys"/> [rows, dk]: the work a decoder step reuses.</summary>
    protected abstract void ProjectKeys(ReadOnlySpan<T> keys, int rows, Span<T> projectedKeys);

    /// <summary>Overwrites dLoss/d(keys) from dLoss/d(projected keys) and accumulates the projection's weight gradients.</summary>
    protected abstract void ProjectKeysBackward(ReadOnlySpan<T> keys, ReadOnlySpan<T> projectedKeyGradient, int rows, Span<T> keyGradient);

    /// <summary>
    /// Writes the scores [B, Tq, Tv] of <paramref name="query"/> [B, Tq, dq] against <paramref name="projectedKeys"/>
    /// [B, Tv, P] for value steps j &lt; <paramref name="validLengths"/>[b] (later ones are never read), and fills
    /// <paramref name="cache"/> for the backward pass.
    /// </summary>
    protected abstract void Scores(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, Span<T> cache, Span<T> scores);

    /// <summary>
    /// From dLoss/d(scores) (valid for j &lt; validLengths[b] only) accumulates (+=) into the query gradient, the
    /// projected-key gradient (both zeroed by the caller) and the score's weight gradients.
    /// </summary>
    protected abstract void ScoresBackward(ReadOnlySpan<T> query, ReadOnlySpan<T> projectedKeys, AttentionSizes sizes,
        ReadOnlySpan<int> validLengths, ReadOnlySpan<T> cache, ReadOnlySpan<T> scoreGradient, Span<T> queryGradient, Span<T> projectedKeyGradient);
}

/// <summary>
/// Values with their keys projected once by <see cref="AttentionLayer{T}.Precompute"/>, and the buffers that each
/// <see cref="AttentionLayer{T}.Step"/> overwrites, so that decoding allocates nothing per step.
/// </summary>
public sealed class AttentionMemory<T> where T : struct, IFloatingPointIeee754<T>
{
    internal AttentionMemory(AttentionLayer<T> owner, Tensor<T> value, Tensor<T> key, Tensor<T> projectedKeys, int[] validLengths,
        bool[,]? valueMask, T[] scoreCache)
    {
        (Owner, Value, Key, ProjectedKeys, ValidLengths, ValueMask, ScoreCache) = (owner, value, key, projectedKeys, validLengths, valueMask, scoreCache);
        Weights = Tensor<T>.Zeros(value.Dim(0), value.Dim(1));
        Context = Tensor<T>.Zeros(value.Dim(0), value.Dim(2));
    }

    /// <summary>The values [B, Tv, dv].</summary>
    public Tensor<T> Value { get; }

    /// <summary>The attention weights [B, Tv] of the last step.</summary>
    public Tensor<T> Weights { get; }

    /// <summary>The context [B, dv] of the last step.</summary>
    public Tensor<T> Context { get; }

    internal AttentionLayer<T> Owner { get; }
    internal Tensor<T> Key { get; }
    internal Tensor<T> ProjectedKeys { get; }
    internal int[] ValidLengths { get; }
    internal bool[,]? ValueMask { get; }
    internal T[] ScoreCache { get; }
}
