using Recurrent.Data;

namespace Recurrent.Applications;

/// <summary>
/// Greedy and beam search over a <see cref="TranslationDecoder"/>, for a batch of sources at once.
/// </summary>
/// <remarks>
/// Beam search keeps <c>k</c> live hypotheses per source. Each step scores every continuation of every live
/// hypothesis (its log-probability sum plus the token's log-probability) and takes the best 2k: an end token among
/// the first k finishes its hypothesis, the best k others live on. A source is done once k hypotheses have finished,
/// or at the maximum length, when the live ones finish as they are. The result is the finished hypothesis with the
/// highest score / length^α (α = the length penalty; the length counts the end token). With k = 1 this is greedy
/// search, token for token.
/// </remarks>
internal static class BeamSearch
{
    /// <summary>A finished hypothesis: tokens (without the end token), score, whether it ended, attention rows.</summary>
    internal sealed record Hypothesis(int[] Tokens, double Score, bool Ended, float[]? Attention);

    /// <summary>Always the most likely next token, until the end token or <paramref name="maxLength"/> tokens.</summary>
    public static Hypothesis[] Greedy(TranslationDecoder decoder, TranslationDecoder.Rows rows, int maxLength)
    {
        int count = rows.Tokens.Length, vocabulary = decoder.Vocabulary, sourceSteps = rows.Memory?.Value.Dim(1) ?? 0;
        var tokens = new List<int>[count];
        var attention = new List<float>[count];
        var scores = new double[count];
        var ended = new bool[count];
        for (int r = 0; r < count; r++) (tokens[r], attention[r]) = (new List<int>(), new List<float>());
        for (int step = 0; step < maxLength && Array.IndexOf(ended, false) >= 0; step++)
        {
            decoder.Step(rows);
            for (int r = 0; r < count; r++)
            {
                if (ended[r]) continue;
                ReadOnlySpan<float> logits = rows.Logits.AsSpan(r * vocabulary, vocabulary);
                int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
                scores[r] += logits[best] - TranslationDecoder.LogSumExp(logits);
                if (rows.Memory is not null) attention[r].AddRange(rows.Memory.Weights.Span.Slice(r * sourceSteps, sourceSteps));
                if (best == Vocabulary.End) ended[r] = true;
                else tokens[r].Add(best);
                rows.Tokens[r] = best;
            }
        }
        return Enumerable.Range(0, count).Select(r => new Hypothesis([.. tokens[r]], scores[r], ended[r], rows.Memory is null ? null : [.. attention[r]])).ToArray();
    }

    /// <summary>Beam search with <paramref name="beams"/> hypotheses per source (rows hold sources × beams).</summary>
    public static Hypothesis[] Search(TranslationDecoder decoder, TranslationDecoder.Rows rows, int beams, int maxLength, double lengthPenalty)
    {
        int count = rows.Tokens.Length, sources = count / beams, vocabulary = decoder.Vocabulary;
        int sourceSteps = rows.Memory?.Value.Dim(1) ?? 0, attentionWidth = maxLength * sourceSteps;
        var scores = new double[count];
        for (int r = 0; r < count; r++) scores[r] = r % beams == 0 ? 0 : double.NegativeInfinity;   // one live hypothesis to start
        int[] history = new int[count * maxLength], nextHistory = new int[count * maxLength];
        float[] weights = new float[count * attentionWidth], nextWeights = new float[count * attentionWidth];
        var finished = Enumerable.Range(0, sources).Select(_ => new List<Hypothesis>()).ToArray();
        var done = new bool[sources];
        var parents = new int[count];
        var nextScores = new double[count];
        var candidates = new (double Score, int Beam, int Token)[2 * beams];
        var scratch = rows.States.Select(s => Recurrent.Tensors.Tensor<float>.Zeros(s.Shape.ToArray())).ToArray();
        var logSums = new double[count];

        for (int step = 0; step < maxLength && Array.IndexOf(done, false) >= 0; step++)
        {
            decoder.Step(rows);
            for (int r = 0; r < count; r++) logSums[r] = TranslationDecoder.LogSumExp(rows.Logits.AsSpan(r * vocabulary, vocabulary));
            for (int s = 0; s < sources; s++)
            {
                int first = s * beams;
                if (done[s])
                {
                    for (int i = 0; i < beams; i++) (parents[first + i], nextScores[first + i]) = (first + i, double.NegativeInfinity);
                    continue;
                }
                int found = Best(rows.Logits, logSums, scores, first, beams, vocabulary, candidates);
                int live = 0;
                for (int c = 0; c < found && live < beams; c++)
                {
                    var (score, beam, token) = candidates[c];
                    if (token == Vocabulary.End)
                    {
                        if (c < beams) finished[s].Add(Finish(history, weights, beam, step, score, ended: true, maxLength, attentionWidth, sourceSteps, rows));
                        continue;
                    }
                    int row = first + live++;
                    (parents[row], nextScores[row], rows.Tokens[row]) = (beam, score, token);
                    history.AsSpan(beam * maxLength, step).CopyTo(nextHistory.AsSpan(row * maxLength));
                    nextHistory[row * maxLength + step] = token;
                    CopyAttention(weights, nextWeights, beam, row, step, attentionWidth, sourceSteps, rows);
                }
                for (; live < beams; live++) (parents[first + live], nextScores[first + live]) = (first, double.NegativeInfinity);
                if (finished[s].Count >= beams) done[s] = true;
            }
            TranslationDecoder.Reorder(rows, parents, scratch);
            (history, nextHistory) = (nextHistory, history);
            (weights, nextWeights) = (nextWeights, weights);
            (scores, nextScores) = (nextScores, scores);
        }
        // Sources still searching at the maximum length: their live hypotheses finish unended.
        for (int s = 0; s < sources; s++)
            if (!done[s])
                for (int i = 0; i < beams; i++)
                    if (!double.IsNegativeInfinity(scores[s * beams + i]))
                        finished[s].Add(Finish(history, weights, s * beams + i, maxLength, scores[s * beams + i], ended: false, maxLength, attentionWidth, sourceSteps, null));
        return finished.Select(list => list.MaxBy(h => h.Score / Math.Pow(h.Tokens.Length + (h.Ended ? 1 : 0), lengthPenalty))!).ToArray();
    }

    // The best 2k continuations of the source whose live rows start at `first`, best first (ties: lower beam, then
    // lower token, the order greedy's arg-max uses); returns how many there are.
    private static int Best(float[] logits, double[] logSums, double[] scores, int first, int beams, int vocabulary, (double Score, int Beam, int Token)[] best)
    {
        int found = 0;
        for (int i = 0; i < beams; i++)
        {
            int row = first + i;
            if (double.IsNegativeInfinity(scores[row])) continue;
            ReadOnlySpan<float> rowLogits = logits.AsSpan(row * vocabulary, vocabulary);
            for (int v = 0; v < vocabulary; v++)
            {
                double score = scores[row] + (rowLogits[v] - logSums[row]);
                if (found == best.Length && score <= best[found - 1].Score) continue;
                int at = found < best.Length ? found++ : found - 1;
                while (at > 0 && best[at - 1].Score < score) { best[at] = best[at - 1]; at--; }
                best[at] = (score, row, v);
            }
        }
        return found;
    }

    // A hypothesis of row `beam` after `length` tokens; with `rows`, the current step's attention row is appended.
    private static Hypothesis Finish(int[] history, float[] weights, int beam, int length, double score, bool ended, int maxLength,
        int attentionWidth, int sourceSteps, TranslationDecoder.Rows? rows)
    {
        float[]? attention = null;
        if (sourceSteps > 0)
        {
            int stored = length * sourceSteps;
            attention = new float[stored + (rows is null ? 0 : sourceSteps)];
            weights.AsSpan(beam * attentionWidth, stored).CopyTo(attention);
            rows?.Memory!.Weights.Span.Slice(beam * sourceSteps, sourceSteps).CopyTo(attention.AsSpan(stored));
        }
        return new Hypothesis(history.AsSpan(beam * maxLength, length).ToArray(), score, ended, attention);
    }

    // The attention rows of the parent's history, then this step's row of the parent.
    private static void CopyAttention(float[] weights, float[] nextWeights, int beam, int row, int step, int attentionWidth, int sourceSteps, TranslationDecoder.Rows rows)
    {
        if (sourceSteps == 0) return;
        weights.AsSpan(beam * attentionWidth, step * sourceSteps).CopyTo(nextWeights.AsSpan(row * attentionWidth));
        rows.Memory!.Weights.Span.Slice(beam * sourceSteps, sourceSteps).CopyTo(nextWeights.AsSpan(row * attentionWidth + step * sourceSteps));
    }
}
