using System.Text;
using System.Text.Json.Nodes;

namespace Recurrent.Data;

/// <summary>
/// Keras' (legacy) <c>keras.preprocessing.text.Tokenizer</c>: turns texts into sequences of word ids, the most
/// frequent word first, ready for <see cref="Sequences.Pad{T}"/> and an <c>Embedding</c>.
/// </summary>
/// <remarks>
/// <para>Behaviour as in Keras (keras/src/legacy/preprocessing/text.py), including the parts that surprise:</para>
/// <list type="bullet">
/// <item>Word level: the text is lower-cased (<see cref="Lower"/>), every character of <see cref="Filters"/> becomes
/// <see cref="Split"/>, the text is cut at <see cref="Split"/> and empty pieces are dropped. Only the split string
/// separates words: a <c>\r</c> (not in the default filters) stays attached to its word.</item>
/// <item>Character level: every character (Unicode code point) is a token, spaces and punctuation included; the text
/// is lower-cased but <see cref="Filters"/> and <see cref="Split"/> are <b>not</b> applied.</item>
/// <item>Ids start at 1 (0 is left for padding) in order of descending count; words with equal counts keep the order
/// in which they were first seen. Repeated <see cref="FitOnTexts"/> calls add to the counts and renumber.</item>
/// <item><see cref="NumWords"/> does not shrink <see cref="WordIndex"/>; it only makes the conversions drop ids
/// ≥ num_words (or replace them by the OOV id), so num_words − 1 ids are usable, the OOV id included.</item>
/// <item>With <see cref="OovToken"/> set, the token takes id 1 and unknown words map to it instead of being dropped.</item>
/// </list>
/// <para>One deliberate difference: when the OOV token also occurs as a word in the texts, Keras gives it a second id
/// and leaves id 1 unused (so its OOV id can exceed num_words); here it keeps id 1 and its occurrences map to 1.</para>
/// <para>Lower-casing uses the invariant culture, which agrees with Python's <c>str.lower</c> except for a few
/// context-dependent letters (such as the Greek final sigma).</para>
/// </remarks>
/// <example>
/// <code>
/// var tokenizer = new Tokenizer(numWords: 1000, oovToken: "&lt;unk&gt;");
/// tokenizer.FitOnTexts(["The cat sat.", "The dog ate."]);
/// int[][] ids = tokenizer.TextsToSequences(["the cat ate a fish"]);   // [[2, 3, 6, 1, 1]]
/// var embedding = new Embedding&lt;float&gt;(tokenizer.VocabularySize, 16);
/// </code>
/// </example>
public sealed class Tokenizer
{
    /// <summary>Keras' default filters: ASCII punctuation except the apostrophe, plus tab and newline.</summary>
    public const string DefaultFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    private const string Owner = "Tokenizer";

    private readonly HashSet<Rune> _filterRunes;
    // Insertion order matters: it breaks ties between equal counts, as Keras' OrderedDict does.
    private readonly OrderedDictionary<string, int> _wordCounts = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, int> _wordDocs = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, int> _wordIndex = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<int, string> _indexWord = [];
    private bool _fitted;

    /// <summary>Creates an unfitted tokenizer; arguments and defaults as in Keras.</summary>
    /// <param name="numWords">Keep only ids below this (the num_words − 1 most frequent); null keeps all.</param>
    /// <param name="filters">Characters replaced by <paramref name="split"/> before splitting (word level only).</param>
    /// <param name="lower">Lower-case texts first.</param>
    /// <param name="split">The word separator.</param>
    /// <param name="charLevel">Make every character a token.</param>
    /// <param name="oovToken">A token for out-of-vocabulary words; it gets id 1.</param>
    public Tokenizer(int? numWords = null, string filters = DefaultFilters, bool lower = true, string split = " ",
        bool charLevel = false, string? oovToken = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(split);
        if (numWords is < 1)
            throw new ArgumentOutOfRangeException(nameof(numWords), numWords, $"{Owner}: num_words must be at least 1, or null for no limit.");
        if (split.Length == 0) throw new ArgumentException($"{Owner}: split must not be empty.", nameof(split));
        NumWords = numWords;
        Filters = filters;
        Lower = lower;
        Split = split;
        CharLevel = charLevel;
        OovToken = oovToken;
        _filterRunes = [.. filters.EnumerateRunes()];
    }

    /// <summary>The id limit: conversions keep only ids below it; null for no limit.</summary>
    public int? NumWords { get; }

    /// <summary>Characters replaced by <see cref="Split"/> before splitting (word level only).</summary>
    public string Filters { get; }

    /// <summary>Whether texts are lower-cased first.</summary>
    public bool Lower { get; }

    /// <summary>The word separator (word level only).</summary>
    public string Split { get; }

    /// <summary>Whether every character is a token.</summary>
    public bool CharLevel { get; }

    /// <summary>The out-of-vocabulary token, id 1 when set.</summary>
    public string? OovToken { get; }

    /// <summary>How many texts the tokenizer was fitted on.</summary>
    public int DocumentCount { get; private set; }

    /// <summary>How often each word occurred, in order of first appearance.</summary>
    public IReadOnlyDictionary<string, int> WordCounts => _wordCounts;

    /// <summary>Word → id (from 1), most frequent first; holds every word seen, whatever <see cref="NumWords"/> is.</summary>
    public IReadOnlyDictionary<string, int> WordIndex => _wordIndex;

    /// <summary>Id → word, the inverse of <see cref="WordIndex"/>.</summary>
    public IReadOnlyDictionary<int, string> IndexWord => _indexWord;

    /// <summary>
    /// The number of ids an <c>Embedding</c> must accept (its input_dim): the largest id the conversions can
    /// produce plus one, i.e. min(num_words, len(word_index) + 1).
    /// </summary>
    public int VocabularySize
    {
        get
        {
            int all = (_indexWord.Count == 0 ? 0 : _indexWord.Keys.Max()) + 1;
            return NumWords is int limit ? Math.Min(limit, all) : all;
        }
    }

    /// <summary>The tokens of <paramref name="text"/>, as fitting and conversion see them.</summary>
    public string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Lower) text = text.ToLowerInvariant();
        if (CharLevel) return text.EnumerateRunes().Select(rune => rune.ToString()).ToArray();
        var replaced = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
            if (_filterRunes.Contains(rune)) replaced.Append(Split);
            else replaced.Append(rune.ToString());
        return replaced.ToString().Split(Split, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Counts the words of <paramref name="texts"/> (adding to earlier fits) and renumbers the vocabulary.</summary>
    public void FitOnTexts(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        // Tokenized up front so that a bad text leaves the counts untouched.
        foreach (string[] tokens in TokenizeAll(texts).ToArray())
        {
            DocumentCount++;
            foreach (string token in tokens)
                _wordCounts[token] = _wordCounts.GetValueOrDefault(token) + 1;
            foreach (string token in tokens.Distinct(StringComparer.Ordinal))
                _wordDocs[token] = _wordDocs.GetValueOrDefault(token) + 1;
        }
        _fitted = true;

        // OrderByDescending is stable, so equal counts keep first-appearance order as in Keras' sort.
        var vocabulary = new List<string>();
        if (OovToken is not null) vocabulary.Add(OovToken);
        vocabulary.AddRange(_wordCounts.OrderByDescending(pair => pair.Value).Select(pair => pair.Key));
        _wordIndex.Clear();
        foreach (string word in vocabulary) _wordIndex.TryAdd(word, _wordIndex.Count + 1);
        RebuildIndexWord();
    }

    /// <summary>
    /// The id sequence of each text. Unknown words and ids ≥ num_words are dropped, or become the OOV id when
    /// <see cref="OovToken"/> is set.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tokenizer has not been fitted.</exception>
    public int[][] TextsToSequences(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        RequireFitted(nameof(TextsToSequences));
        int? oovId = OovId;
        return TokenizeAll(texts)
            .Select(tokens => tokens.Select(token => _wordIndex.TryGetValue(token, out int id) ? Keep(id, oovId) : oovId)
                .OfType<int>().ToArray())
            .ToArray();
    }

    /// <summary>
    /// The text of each id sequence, the words joined by <paramref name="separator"/>. Ids with no word (0, say)
    /// and ids ≥ num_words are dropped, or become the OOV token when <see cref="OovToken"/> is set.
    /// </summary>
    /// <param name="sequences">Id sequences.</param>
    /// <param name="separator">Keras always joins with a space, even at character level; pass "" there to get the text back.</param>
    /// <exception cref="InvalidOperationException">The tokenizer has not been fitted.</exception>
    public string[] SequencesToTexts(IEnumerable<int[]> sequences, string separator = " ")
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(separator);
        RequireFitted(nameof(SequencesToTexts));
        int? oovId = OovId;
        return sequences
            .Select((sequence, n) => sequence ?? throw new ArgumentException($"{Owner}: sequence {n} is null.", nameof(sequences)))
            .Select(sequence => string.Join(separator, sequence
                .Select(id => _indexWord.ContainsKey(id) ? Keep(id, oovId) : oovId)
                .OfType<int>().Select(id => _indexWord[id])))
            .ToArray();
    }

    /// <summary>
    /// The state in the layout of Keras' <c>Tokenizer.to_json</c>: <c>{"class_name": "Tokenizer", "config": {...}}</c>
    /// with the dictionaries stored as JSON strings, so Python's <c>tokenizer_from_json</c> reads it too.
    /// </summary>
    public JsonObject ToJson()
    {
        // Keras json.dumps its dictionaries into strings inside the config; keys become strings, ids included.
        static string Encode<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>> pairs, Func<TValue, JsonNode?> value) where TKey : notnull =>
            new JsonObject(pairs.Select(p => KeyValuePair.Create(p.Key.ToString()!, value(p.Value)))).ToJsonString();
        static JsonNode? Count(int count) => count;

        var indexDocs = _wordDocs.Where(pair => _wordIndex.ContainsKey(pair.Key))
            .Select(pair => KeyValuePair.Create(_wordIndex[pair.Key], pair.Value));
        return new JsonObject
        {
            ["class_name"] = "Tokenizer",
            ["config"] = new JsonObject
            {
                ["num_words"] = NumWords,
                ["filters"] = Filters,
                ["lower"] = Lower,
                ["split"] = Split,
                ["char_level"] = CharLevel,
                ["oov_token"] = OovToken,
                ["document_count"] = DocumentCount,
                ["word_counts"] = Encode(_wordCounts, Count),
                ["word_docs"] = Encode(_wordDocs, Count),
                ["index_docs"] = Encode(indexDocs, Count),
                ["index_word"] = Encode(_indexWord, word => (JsonNode?)word),
                ["word_index"] = Encode(_wordIndex, Count),
            },
        };
    }

    /// <summary>
    /// Reads what <see cref="ToJson"/> (or Keras' <c>Tokenizer.to_json</c>) wrote. Strict: a missing, mistyped or
    /// unknown key, or a word index that is not a one-to-one map of positive ids, is an error.
    /// </summary>
    /// <param name="node">The JSON state.</param>
    /// <param name="source">Where the state comes from (a file name), for error messages.</param>
    /// <exception cref="InvalidDataException">The state is malformed; the message names <paramref name="source"/> and the key.</exception>
    public static Tokenizer FromJson(JsonNode node, string source)
    {
        var root = JsonFields.Open(node, source, Owner);
        root.OnlyKeys("class_name", "config");
        if (root.String("class_name") != "Tokenizer")
            throw root.Error("class_name", $"must be \"Tokenizer\", got \"{root.String("class_name")}\"");
        JsonFields config = root.Object("config");
        config.OnlyKeys("num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count",
            "word_counts", "word_docs", "index_docs", "index_word", "word_index");

        Tokenizer tokenizer;
        try
        {
            tokenizer = new Tokenizer(config.NullableInt("num_words"), config.String("filters"), config.Bool("lower"),
                config.String("split"), config.Bool("char_level"), config.NullableString("oov_token"));
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        tokenizer.DocumentCount = config.Int("document_count");
        if (tokenizer.DocumentCount < 0) throw config.Error("document_count", "must not be negative");

        ReadCounts(config.Object("word_counts"), tokenizer._wordCounts, minimum: 1);
        ReadCounts(config.Object("word_docs"), tokenizer._wordDocs, minimum: 1);
        // index_docs is derived from word_docs and word_index; it is checked for shape only.
        JsonFields indexDocs = config.Object("index_docs");
        foreach (var (key, value) in indexDocs.Entries) indexDocs.Integer(value, key);

        JsonFields wordIndex = config.Object("word_index");
        var seenIds = new HashSet<int>();
        foreach (var (word, value) in wordIndex.Entries)
        {
            int id = wordIndex.Integer(value, word);
            if (id < 1) throw wordIndex.Error(word, $"has id {id}; ids start at 1");
            if (!seenIds.Add(id)) throw wordIndex.Error(word, $"has id {id}, which another word has too");
            tokenizer._wordIndex.Add(word, id);
        }
        if (tokenizer.OovToken is string oov && !tokenizer._wordIndex.ContainsKey(oov))
            throw config.Error("word_index", $"has no id for the oov_token \"{oov}\"");
        tokenizer.RebuildIndexWord();

        JsonFields indexWord = config.Object("index_word");
        int entries = 0;
        foreach (var (key, value) in indexWord.Entries)
        {
            entries++;
            bool matches = int.TryParse(key, out int id) && tokenizer._indexWord.TryGetValue(id, out string? word)
                && value is JsonValue text && text.TryGetValue(out string? stored) && stored == word;
            if (!matches) throw indexWord.Error(key, "does not match word_index (index_word must be its inverse)");
        }
        if (entries != tokenizer._indexWord.Count)
            throw config.Error("index_word", $"has {entries} entries but word_index has {tokenizer._indexWord.Count}");
        tokenizer._fitted = true;
        return tokenizer;
    }

    private static void ReadCounts(JsonFields counts, OrderedDictionary<string, int> into, int minimum)
    {
        foreach (var (word, value) in counts.Entries)
        {
            int count = counts.Integer(value, word);
            if (count < minimum) throw counts.Error(word, $"has count {count}; counts must be at least {minimum}");
            into.Add(word, count);
        }
    }

    private int? OovId => OovToken is null ? null : _wordIndex[OovToken];

    // The num_words cut-off shared by both conversions: an id past it is dropped (null) or replaced by the OOV id.
    private int? Keep(int id, int? oovId) => NumWords is int limit && id >= limit ? oovId : id;

    private IEnumerable<string[]> TokenizeAll(IEnumerable<string> texts) =>
        texts.Select((text, n) => Tokenize(text ?? throw new ArgumentException($"{Owner}: text {n} is null.", nameof(texts))));

    private void RebuildIndexWord()
    {
        _indexWord.Clear();
        foreach (var (word, id) in _wordIndex) _indexWord.Add(id, word);
    }

    private void RequireFitted(string operation)
    {
        if (!_fitted) throw new InvalidOperationException($"{Owner}: call FitOnTexts (or load a fitted tokenizer) before {operation}.");
    }
}
