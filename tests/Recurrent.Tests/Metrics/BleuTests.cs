using Recurrent.Data;
using Recurrent.Metrics;

namespace Recurrent.Tests.Metrics;

/// <summary>Corpus BLEU against examples worked by hand (the arithmetic is in each comment).</summary>
public class BleuTests
{
    private static IReadOnlyList<string> Words(string text) => text.Split(' ');

    private static BleuScore Score(string[] hypotheses, string[][] references, int maxOrder = 4) => Bleu.Corpus(
        hypotheses.Select(Words).ToArray(), references.Select(r => (IReadOnlyList<IReadOnlyList<string>>)r.Select(Words).ToArray()).ToArray(), maxOrder);

    [Fact]
    public void An_exact_match_scores_one()
    {
        BleuScore score = Score(["the cat sat on the mat"], [["the cat sat on the mat"]]);
        Assert.Equal(1.0, score.Score, 15);
        Assert.Equal([1.0, 1.0, 1.0, 1.0], score.Precisions);
        Assert.Equal(1.0, score.BrevityPenalty);
    }

    [Fact]
    public void Precisions_and_the_brevity_penalty_of_a_short_hypothesis()
    {
        // "a b c d e" against "a b c d f g": unigrams 4/5, bigrams 3/4, trigrams 2/3, 4-grams 1/2; the product is 0.2.
        // c = 5 < r = 6: BP = exp(1 − 6/5) = exp(−0.2). BLEU = exp(−0.2) · 0.2^(1/4) = 0.547518253506945.
        BleuScore score = Score(["a b c d e"], [["a b c d f g"]]);
        Assert.Equal([4 / 5.0, 3 / 4.0, 2 / 3.0, 1 / 2.0], score.Precisions);
        Assert.Equal(Math.Exp(-0.2), score.BrevityPenalty, 15);
        Assert.Equal(0.547518253506945, score.Score, 14);
        Assert.Equal((5, 6), (score.HypothesisLength, score.ReferenceLength));
    }

    [Fact]
    public void Counts_are_clipped_by_the_reference()
    {
        // Seven "the" against a reference with two: unigram precision 2/7 and no bigram "the the" at all, so BLEU is 0.
        BleuScore score = Score(["the the the the the the the"], [["the cat is on the mat"]]);
        Assert.Equal(2 / 7.0, score.Precisions[0], 15);
        Assert.Equal(0, score.Precisions[1]);
        Assert.Equal(0, score.Score);
    }

    [Fact]
    public void Counts_are_summed_over_the_corpus_before_dividing()
    {
        // Sentence 1 matches fully (4, 3, 2, 1 of 4, 3, 2, 1); sentence 2 "a x c y" only its 2 unigrams of 4.
        // Corpus: 6/8, 3/6, 2/4, 1/2 → (0.75 · 0.5³)^(1/4) = 0.09375^(1/4) = 0.553340959850161;
        // the mean of sentence scores would be (1 + 0) / 2 = 0.5.
        BleuScore score = Score(["a b c d", "a x c y"], [["a b c d"], ["a b c d"]]);
        Assert.Equal(0.553340959850161, score.Score, 14);
    }

    [Fact]
    public void Several_references_clip_by_the_largest_count_and_take_the_closest_length()
    {
        // "the the cat" against "the cat" and "the the dog sat": "the" may count twice (second reference), "cat" once
        // (first); bigrams "the the" and "the cat" each occur in one reference. Lengths 2 and 4 are both 1 away from 3:
        // the shorter wins, r = 2 ≤ c = 3, so no penalty. With max order 2: sqrt(3/3 · 2/2) = 1.
        BleuScore score = Score(["the the cat"], [["the cat", "the the dog sat"]], maxOrder: 2);
        Assert.Equal(1.0, score.Score, 15);
        Assert.Equal(2, score.ReferenceLength);
    }

    [Fact]
    public void An_empty_hypothesis_scores_zero()
    {
        BleuScore score = Bleu.Corpus([[]], [[Words("a b")]]);
        Assert.Equal(0, score.Score);
        Assert.Equal(0, score.BrevityPenalty);
    }

    [Fact]
    public void Tokenisation_splits_punctuation_lowers_case_and_keeps_inner_apostrophes()
    {
        Assert.Equal(["¿", "dónde", "está", "tom", "?"], Sentences.Words("¿Dónde está Tom?"));
        Assert.Equal(["i", "don't", "know", "."], Sentences.Words("I don't know."));
        Assert.Equal(["'", "hi", "'", ",", "he", "said", "!"], Sentences.Words("'Hi', he  said!"));
        // Raw sentences go through the same tokenisation: case and spacing of punctuation do not matter.
        Assert.Equal(1.0, Bleu.Corpus(["¡Hola, Tom!"], ["¡hola , tom !"], maxOrder: 2).Score, 15);
    }

    [Fact]
    public void Mismatched_inputs_are_refused_with_a_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], ["a", "b"]));
        Assert.StartsWith("BLEU: 1 hypotheses but 2 reference sets.", error.Message);
        Assert.Throws<ArgumentException>(() => Bleu.Corpus([Words("a")], [[]]));
        Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], ["a"], maxOrder: 0));
    }

    [Fact]
    public void The_summary_line_is_in_percent()
    {
        Assert.Equal("BLEU 54.8 (80.0/75.0/66.7/50.0, BP 0.819, 5/6 tokens)", Score(["a b c d e"], [["a b c d f g"]]).ToString());
    }
}
