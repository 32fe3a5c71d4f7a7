using System.Text.Json.Nodes;
using Recurrent.IO;

namespace Recurrent.Data;

/// <summary>
/// The words of one side of a translation corpus, as ids: 0 padding, 1 unknown words (the OOV token), 2 start and
/// 3 end of a sentence, then the training words, most frequent first (ties in the order first seen). Sentences are
/// tokenised by <see cref="Sentences.Words"/>.
/// </summary>
/// <example>
/// <code>
/// Vocabulary spanish = Vocabulary.Build(pairs.Select(p => Sentences.Words(p.Target)), maxWords: 5000);
/// int[] ids = spanish.Encode("Yo soy un estudiante.");   // [ids of yo, soy, un, estudiante, .]
/// </code>
/// </example>
public sealed class Vocabulary
{
    /// <summary>Id of padding.</summary>
    public const int Padding = 0;

    /// <summary>Id of every word not in the vocabulary.</summary>
    public const int Unknown = 1;

    /// <summary>Id that starts every decoder input.</summary>
    public const int Start = 2;

    /// <summary>Id that ends every target sentence.</summary>
    public const int End = 3;

    private static readonly string[] Reserved = ["<pad>", "<unk>", "<start>", "<end>"];

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;

    private Vocabulary(string[] words)
    {
        _words = words;
        _ids = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) _ids.TryAdd(words[i], i);
    }

    /// <summary>The vocabulary of <paramref name="sentences"/> (token lists), keeping the <paramref name="maxWords"/> most frequent words (null: all).</summary>
    public static Vocabulary Build(IEnumerable<IReadOnlyList<string>> sentences, int? maxWords = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (maxWords is < 1) throw new ArgumentOutOfRangeException(nameof(maxWords), maxWords, "A vocabulary needs room for at least one word.");
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        foreach (IReadOnlyList<string> sentence in sentences)
            foreach (string word in sentence)
                counts[word] = counts.TryGetValue(word, out var seen) ? (seen.Count + 1, seen.First) : (1, counts.Count);
        IEnumerable<string> words = counts.Where(c => Array.IndexOf(Reserved, c.Key) < 0)
            .OrderByDescending(c => c.Value.Count).ThenBy(c => c.Value.First).Select(c => c.Key);
        if (maxWords is int limit) words = words.Take(limit);
        return new Vocabulary([.. Reserved, .. words]);
    }

    /// <summary>Number of ids, the four reserved ones included (an Embedding's input_dim, a softmax's units).</summary>
    public int Count => _words.Length;

    /// <summary>The word of an id (the reserved ids read &lt;pad&gt;, &lt;unk&gt;, &lt;start&gt;, &lt;end&gt;).</summary>
    public string this[int id] => _words[id];

    /// <summary>The id of a word, <see cref="Unknown"/> when it is not in the vocabulary.</summary>
    public int IdOf(string word) => _ids.TryGetValue(word, out int id) && id >= Reserved.Length ? id : Unknown;

    /// <summary>The ids of a sentence's tokens (<see cref="Sentences.Words"/>).</summary>
    public int[] Encode(string sentence) => Sentences.Words(sentence).Select(IdOf).ToArray();

    /// <summary>The words of <paramref name="ids"/> up to the first end id, without padding and start ids.</summary>
    public string[] Decode(ReadOnlySpan<int> ids)
    {
        var words = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (id == End) break;
            if (id is Padding or Start) continue;
            words.Add(_words[id]);
        }
        return [.. words];
    }

    /// <summary>The words in id order, reserved ones included, for a model file.</summary>
    public JsonArray ToJson() => new(_words.Select(w => (JsonNode)w).ToArray());

    /// <summary>Reads <see cref="ToJson"/>; <paramref name="source"/> names the file in messages.</summary>
    /// <exception cref="InvalidModelFileException">Not a list of strings that starts with the reserved words.</exception>
    public static Vocabulary FromJson(JsonNode? node, string source)
    {
        if (node is not JsonArray array || array.Any(w => w?.GetValueKind() != System.Text.Json.JsonValueKind.String))
            throw new InvalidModelFileException($"{source}: a vocabulary must be a list of words.");
        string[] words = array.Select(w => w!.GetValue<string>()).ToArray();
        if (words.Length < Reserved.Length || !words.AsSpan(0, Reserved.Length).SequenceEqual(Reserved))
            throw new InvalidModelFileException($"{source}: a vocabulary must start with {string.Join(", ", Reserved)}.");
        return new Vocabulary(words);
    }
}
