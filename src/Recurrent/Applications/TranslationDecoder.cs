using Recurrent.Data;
using Recurrent.Kernels.Activations;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Applications;

/// <summary>One translated sentence.</summary>
/// <param name="Text">The translation, its words joined by <see cref="Sentences.Join"/>.</param>
/// <param name="Words">The translation's tokens, without the end token.</param>
/// <param name="Score">Sum of the log-probabilities of the chosen tokens (the end token included).</param>
/// <param name="SourceWords">The source's tokens as the model saw them (unknown words as &lt;unk&gt;).</param>
/// <param name="Attention">
/// Attention weights [output step, source token]: one row per word of <paramref name="Words"/> and one for the end
/// token (when it was produced); null for a model without attention.
/// </param>
public sealed record Translation(string Text, IReadOnlyList<string> Words, double Score, IReadOnlyList<string> SourceWords, float[,]? Attention);

/// <summary>
/// Inference for a translation model: the encoder runs once per batch of sources; then an incremental decoder step
/// (target embedding → one recurrent step from the carried states → attention over the encoder's outputs, whose keys
/// are projected once → attentional tanh layer → output logits) is repeated for greedy or beam search. The step
/// writes into buffers made once per batch, so a step allocates nothing.
/// </summary>
internal sealed class TranslationDecoder(Embedding<float> sourceEmbedding, RecurrentLayer<float> encoder, Embedding<float> targetEmbedding,
    RecurrentLayer<float> decoder, AttentionLayer<float>? attention, Dense<float>? attentional, Dense<float> output)
{
    /// <summary>The buffers of the decoder rows (sources × beams).</summary>
    internal sealed class Rows
    {
        public Rows(int rows, int embedding, int units, int stateCount, int joined, int vocabulary, AttentionMemory<float>? memory)
        {
            Tokens = new int[rows];
            Embedded = Tensor<float>.Zeros(rows, 1, embedding);
            States = Enumerable.Range(0, stateCount).Select(_ => Tensor<float>.Zeros(rows, units)).ToArray();
            Hidden = Tensor<float>.Zeros(rows, units);
            Joined = new float[rows * joined];
            Mixed = new float[rows * units];
            Logits = new float[rows * vocabulary];
            Memory = memory;
        }

        /// <summary>The token each row reads at the next step.</summary>
        public int[] Tokens { get; }

        /// <summary>The recurrent states each row carries, [rows, units] each.</summary>
        public Tensor<float>[] States { get; }

        /// <summary>The logits of the last step, [rows, vocabulary].</summary>
        public float[] Logits { get; }

        /// <summary>The encoder's outputs with their projected keys; null without attention.</summary>
        public AttentionMemory<float>? Memory { get; }

        internal Tensor<float> Embedded { get; }
        internal Tensor<float> Hidden { get; }
        internal float[] Joined { get; }
        internal float[] Mixed { get; }
        internal RecurrentOutput<float>? Step { get; set; }
    }

    public int Vocabulary => output.Units;

    /// <summary>
    /// Runs the encoder on padded source ids [B, Ts] and makes the rows of <paramref name="beams"/> hypotheses per
    /// source: each starts from its source's final encoder states and reads the start token.
    /// </summary>
    public Rows Start(Tensor<float> sourceIds, int beams)
    {
        int batch = sourceIds.Dim(0), steps = sourceIds.Dim(1), rows = batch * beams;
        var mask = new bool[batch, steps];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++) mask[b, t] = sourceIds[b, t] != Data.Vocabulary.Padding;
        RecurrentOutput<float> encoded = encoder.ForwardSequence(sourceEmbedding.Forward(sourceIds), mask: mask);
        int units = decoder.Units;

        AttentionMemory<float>? memory = null;
        if (attention is not null)
        {
            Tensor<float> values = encoded.Output;
            int features = values.Dim(2);
            var repeated = Tensor<float>.Zeros(rows, steps, features);
            var repeatedMask = new bool[rows, steps];
            for (int r = 0; r < rows; r++)
            {
                values.Span.Slice(r / beams * steps * features, steps * features).CopyTo(repeated.Span.Slice(r * steps * features));
                for (int t = 0; t < steps; t++) repeatedMask[r, t] = mask[r / beams, t];
            }
            memory = attention.Precompute(repeated, valueMask: repeatedMask);
        }
        int joined = attentional is null ? 0 : attentional.Parameters[0].Value.Dim(0);
        var state = new Rows(rows, targetEmbedding.OutputDim, units, encoded.States.Count, joined, Vocabulary, memory);
        for (int k = 0; k < encoded.States.Count; k++)
            for (int r = 0; r < rows; r++)
                encoded.States[k].Span.Slice(r / beams * units, units).CopyTo(state.States[k].Span.Slice(r * units, units));
        Array.Fill(state.Tokens, Data.Vocabulary.Start);
        return state;
    }

    /// <summary>
    /// One decoder step for every row: reads <see cref="Rows.Tokens"/>, advances <see cref="Rows.States"/> and writes
    /// <see cref="Rows.Logits"/> (and the attention weights into the memory). Allocates nothing.
    /// </summary>
    public void Step(Rows state)
    {
        int rows = state.Tokens.Length, units = decoder.Units;
        targetEmbedding.Lookup(state.Tokens, state.Embedded.Span);
        state.Step = decoder.ForwardSequence(state.Embedded, state.States, reuse: state.Step);
        for (int k = 0; k < state.States.Length; k++) state.Step.States[k].Span.CopyTo(state.States[k].Span);
        state.Step.Output.Span.CopyTo(state.Hidden.Span);   // [rows, 1, units] has the layout of [rows, units]
        if (attention is null || attentional is null)
        {
            output.PreActivate(state.Hidden.Span, rows, state.Logits);
            return;
        }
        Tensor<float> context = attention.Step(state.Memory!, state.Hidden);
        int contextWidth = context.Dim(1), width = contextWidth + units;
        for (int r = 0; r < rows; r++)
        {
            context.Span.Slice(r * contextWidth, contextWidth).CopyTo(state.Joined.AsSpan(r * width));
            state.Hidden.Span.Slice(r * units, units).CopyTo(state.Joined.AsSpan(r * width + contextWidth));
        }
        attentional.PreActivate(state.Joined, rows, state.Mixed);
        attentional.Activation.ForwardRows(state.Mixed, state.Mixed, attentional.Units);
        output.PreActivate(state.Mixed, rows, state.Logits);
    }

    /// <summary>Reorders the rows' states to their parents' after a beam step: row r continues row parents[r].</summary>
    public static void Reorder(Rows state, ReadOnlySpan<int> parents, Tensor<float>[] scratch)
    {
        int units = state.States[0].Dim(1);
        for (int k = 0; k < state.States.Length; k++)
        {
            for (int r = 0; r < parents.Length; r++)
                state.States[k].Span.Slice(parents[r] * units, units).CopyTo(scratch[k].Span.Slice(r * units, units));
            scratch[k].Span.CopyTo(state.States[k].Span);
        }
    }

    /// <summary>log softmax of one row of logits, in double: logit − log Σ exp(logits).</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float x in logits) sum += Math.Exp(x - max);
        return max + Math.Log(sum);
    }
}
