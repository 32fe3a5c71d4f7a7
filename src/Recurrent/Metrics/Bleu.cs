using System.Globalization;
using Recurrent.Data;

namespace Recurrent.Metrics;

/// <summary>A corpus BLEU score with the parts it is made of.</summary>
/// <param name="Score">BLEU in [0, 1]: the brevity penalty times the geometric mean of the n-gram precisions.</param>
/// <param name="Precisions">Modified (clipped) n-gram precision for n = 1 … max order, over the whole corpus.</param>
/// <param name="BrevityPenalty">exp(1 − r / c) when the hypotheses are shorter than the references (c &lt; r), else 1.</param>
/// <param name="HypothesisLength">c: tokens in all hypotheses.</param>
/// <param name="ReferenceLength">r: for each sentence the reference length closest to the hypothesis' (the shorter on a tie), summed.</param>
public sealed record BleuScore(double Score, IReadOnlyList<double> Precisions, double BrevityPenalty, int HypothesisLength, int ReferenceLength)
{
    /// <summary>"BLEU 41.2 (62.5/45.0/35.1/28.0, BP 0.950, 120/126 tokens)" in the percent form papers use.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"BLEU {100 * Score:0.0} ({string.Join('/', Precisions.Select(p => (100 * p).ToString("0.0", CultureInfo.InvariantCulture)))}, BP {BrevityPenalty:0.000}, {HypothesisLength}/{ReferenceLength} tokens)");
}

/// <summary>
/// Corpus BLEU (Papineni et al., 2002): n-gram counts are clipped by the most any one reference has, summed over the
/// whole corpus before dividing (not averaged per sentence), combined by a geometric mean with equal weights, and
/// multiplied by the brevity penalty. No smoothing: a corpus without a single matching 4-gram scores 0, as the
/// standard definition says. This is the computation of NLTK's <c>corpus_bleu</c> and of sacreBLEU on the same tokens.
/// </summary>
public static class Bleu
{
    /// <summary>Corpus BLEU of tokenised <paramref name="hypotheses"/>, each against one or more tokenised references.</summary>
    /// <exception cref="ArgumentException">The two lists differ in length, a sentence has no reference, or <paramref name="maxOrder"/> &lt; 1.</exception>
    public static BleuScore Corpus(IReadOnlyList<IReadOnlyList<string>> hypotheses, IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> references, int maxOrder = 4)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (maxOrder < 1) throw new ArgumentException($"BLEU: maxOrder must be at least 1, got {maxOrder}.", nameof(maxOrder));
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"BLEU: {hypotheses.Count} hypotheses but {references.Count} reference sets.", nameof(references));

        var matches = new long[maxOrder];
        var totals = new long[maxOrder];
        int hypothesisLength = 0, referenceLength = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            IReadOnlyList<string> hypothesis = hypotheses[s];
            IReadOnlyList<IReadOnlyList<string>> sentenceReferences = references[s];
            if (sentenceReferences.Count == 0) throw new ArgumentException($"BLEU: sentence {s} has no reference.", nameof(references));
            hypothesisLength += hypothesis.Count;
            referenceLength += ClosestLength(sentenceReferences, hypothesis.Count);
            for (int n = 1; n <= maxOrder; n++)
            {
                Dictionary<string, int> counts = NGrams(hypothesis, n);
                var most = new Dictionary<string, int>();
                foreach (IReadOnlyList<string> reference in sentenceReferences)
                    foreach (var (gram, count) in NGrams(reference, n))
                        most[gram] = Math.Max(most.GetValueOrDefault(gram), count);
                foreach (var (gram, count) in counts) matches[n - 1] += Math.Min(count, most.GetValueOrDefault(gram));
                totals[n - 1] += Math.Max(0, hypothesis.Count - n + 1);
            }
        }

        var precisions = new double[maxOrder];
        double logSum = 0;
        for (int n = 0; n < maxOrder; n++)
        {
            precisions[n] = totals[n] == 0 ? 0 : (double)matches[n] / totals[n];
            logSum += precisions[n] > 0 ? Math.Log(precisions[n]) : double.NegativeInfinity;
        }
        double brevity = hypothesisLength >= referenceLength ? 1 : hypothesisLength == 0 ? 0 : Math.Exp(1 - (double)referenceLength / hypothesisLength);
        double score = double.IsNegativeInfinity(logSum) ? 0 : brevity * Math.Exp(logSum / maxOrder);
        return new BleuScore(score, precisions, brevity, hypothesisLength, referenceLength);
    }

    /// <summary>Corpus BLEU of raw sentences with one reference each, tokenised by <see cref="Sentences.Words"/>.</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references, int maxOrder = 4) =>
        Corpus(hypotheses.Select(h => (IReadOnlyList<string>)Sentences.Words(h)).ToArray(),
            references.Select(r => (IReadOnlyList<IReadOnlyList<string>>)[Sentences.Words(r)]).ToArray(), maxOrder);

    private static int ClosestLength(IReadOnlyList<IReadOnlyList<string>> references, int length)
    {
        int best = references[0].Count;
        foreach (IReadOnlyList<string> reference in references)
        {
            int distance = Math.Abs(reference.Count - length), bestDistance = Math.Abs(best - length);
            if (distance < bestDistance || (distance == bestDistance && reference.Count < best)) best = reference.Count;
        }
        return best;
    }

    // The unit separator cannot occur inside a token, so joined n-grams are unambiguous keys.
    private static Dictionary<string, int> NGrams(IReadOnlyList<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            string gram = n == 1 ? tokens[i] : string.Join('\u001f', Enumerable.Range(i, n).Select(k => tokens[k]));
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
