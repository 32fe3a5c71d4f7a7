namespace Recurrent.Data;

/// <summary>One sentence and its translation, with the line of the file it came from.</summary>
public sealed record TranslationPair(string Source, string Target, int Line);

/// <summary>
/// Sentence pairs for translation from a tab-separated file without a header (<c>English&lt;TAB&gt;Spanish</c>, one pair a
/// line, as the Tatoeba / manythings.org exports), with the checks that name the line of a bad pair.
/// </summary>
/// <example>
/// <code>
/// IReadOnlyList&lt;TranslationPair&gt; pairs = TranslationPairs.Read("eng-spa.tsv", maxTokens: 20);
/// </code>
/// </example>
public static class TranslationPairs
{
    /// <summary>Reads the pairs of <paramref name="path"/>.</summary>
    /// <param name="path">A UTF-8 file, one pair a line, fields separated by tabs; extra columns (e.g. attribution) are ignored.</param>
    /// <param name="sourceColumn">Column (from 0) of the sentence to translate.</param>
    /// <param name="targetColumn">Column of its translation.</param>
    /// <param name="maxTokens">Longest sentence allowed, in <see cref="Sentences.Words"/> tokens; null for any.</param>
    /// <exception cref="InvalidDataException">A line lacks a column, has an empty side, or a side longer than <paramref name="maxTokens"/>; the message names the file and line.</exception>
    public static IReadOnlyList<TranslationPair> Read(string path, int sourceColumn = 0, int targetColumn = 1, int? maxTokens = null)
    {
        if (sourceColumn < 0 || targetColumn < 0 || sourceColumn == targetColumn)
            throw new ArgumentException($"Translation pairs: source column {sourceColumn} and target column {targetColumn} must be different and not negative.");
        if (maxTokens is < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "Translation pairs: the maximum length must be at least 1 token.");
        string text = Text.ReadFile(path);
        var pairs = new List<TranslationPair>();
        string[] lines = text.Split('\n');
        int needed = Math.Max(sourceColumn, targetColumn) + 1;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            string[] fields = line.Split('\t');
            int number = i + 1;
            if (fields.Length < needed)
                throw new InvalidDataException($"{path}: line {number} has {fields.Length} column(s); the {(fields.Length <= sourceColumn ? "source" : "target")} is column {(fields.Length <= sourceColumn ? sourceColumn : targetColumn) + 1} (columns are separated by tabs).");
            string source = fields[sourceColumn].Trim(), target = fields[targetColumn].Trim();
            if (source.Length == 0 || target.Length == 0)
                throw new InvalidDataException($"{path}: line {number}: the {(source.Length == 0 ? "source" : "target")} sentence is empty.");
            if (maxTokens is int limit)
                foreach (var (side, sentence) in new[] { ("source", source), ("target", target) })
                {
                    int length = Sentences.Words(sentence).Length;
                    if (length > limit) throw new InvalidDataException($"{path}: line {number}: the {side} sentence has {length} tokens, more than the maximum of {limit}.");
                }
            pairs.Add(new TranslationPair(source, target, number));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: there are no sentence pairs.");
        return pairs;
    }

    /// <summary>
    /// Splits <paramref name="pairs"/> into training and test pairs: every <paramref name="testEvery"/>-th pair (the
    /// last of each group: pairs k−1, 2k−1, …) is held out.
    /// </summary>
    public static (IReadOnlyList<TranslationPair> Train, IReadOnlyList<TranslationPair> Test) HoldOutEvery(IReadOnlyList<TranslationPair> pairs, int testEvery)
    {
        if (testEvery < 2) throw new ArgumentOutOfRangeException(nameof(testEvery), testEvery, "Translation pairs: hold out every k-th pair needs k ≥ 2.");
        var train = new List<TranslationPair>();
        var test = new List<TranslationPair>();
        for (int i = 0; i < pairs.Count; i++) ((i + 1) % testEvery == 0 ? test : train).Add(pairs[i]);
        return (train, test);
    }
}

/// <summary>Word-level tokens of sentences, as translation models and BLEU see them.</summary>
public static class Sentences
{
    /// <summary>
    /// Lower case, every punctuation or symbol character its own token (so "¿Dónde?" is "¿ dónde ?"), split on white
    /// space. Letters with accents, and apostrophes between letters ("don't"), stay part of the word.
    /// </summary>
    public static string[] Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spaced = new System.Text.StringBuilder(text.Length * 2);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool innerApostrophe = c == '\'' && i > 0 && i < text.Length - 1 && char.IsLetter(text[i - 1]) && char.IsLetter(text[i + 1]);
            if ((char.IsPunctuation(c) || char.IsSymbol(c)) && !innerApostrophe) spaced.Append(' ').Append(c).Append(' ');
            else spaced.Append(char.ToLowerInvariant(c));
        }
        return spaced.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// Joins tokens back into a sentence: a punctuation token that closes (". , ! ? ; : ) ]") is attached to the word
    /// before it, one that opens ("¿ ¡ ( [") to the word after it.
    /// </summary>
    public static string Join(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var text = new System.Text.StringBuilder();
        bool attachNext = true;
        foreach (string word in words)
        {
            bool closes = word.Length == 1 && ".,!?;:)]%".Contains(word[0]);
            if (!attachNext && !closes) text.Append(' ');
            text.Append(word);
            attachNext = word.Length == 1 && "¿¡([".Contains(word[0]);
        }
        return text.ToString();
    }
}
