using System.Text;

namespace Recurrent.Applications;

/// <summary>
/// Built-in data for the demo and the examples: made by this code (sentences, text) or public figures (the airline
/// passengers), so nothing has to be downloaded.
/// </summary>
public static class DemoData
{
    /// <summary>
    /// Monthly international airline passengers in thousands, January 1949 to December 1960 (Box &amp; Jenkins, 1976,
    /// series G): 144 values.
    /// </summary>
    public static IReadOnlyList<double> AirlinePassengers { get; } =
    [
        112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
        115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
        145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
        171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
        196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
        204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
        242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
        284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
        315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
        340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
        360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
        417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
    ];

    private static readonly string[] Positive = ["good", "happy", "great", "fine", "glad", "right"];
    private static readonly string[] Negative = ["bad", "sad", "awful", "poor", "upset", "wrong"];

    /// <summary>
    /// Short sentiment sentences in the style of the RNN material's tiny example ("i am not very happy"): a negation
    /// flips the label, so word order matters. Label "1" is positive, "0" negative.
    /// </summary>
    public static (string[] Texts, string[] Labels) Sentiment(int count, int seed)
    {
        var random = new Random(seed);
        string[] openings = ["i am", "this is", "this was", "you are", "we were", "it is", "that was", "i was"];
        string[] endings = ["", "", "now", "today", "at all", "right now"];
        var texts = new string[count];
        var labels = new string[count];
        for (int i = 0; i < count; i++)
        {
            bool positiveWord = random.Next(2) == 0, negated = random.Next(3) == 0;
            string word = positiveWord ? Positive[random.Next(Positive.Length)] : Negative[random.Next(Negative.Length)];
            string very = random.Next(3) == 0 ? "very " : "";
            texts[i] = $"{openings[random.Next(openings.Length)]} {(negated ? "not " : "")}{very}{word} {endings[random.Next(endings.Length)]}".Trim();
            labels[i] = positiveWord ^ negated ? "1" : "0";
        }
        return (texts, labels);
    }

    /// <summary>
    /// About <paramref name="characters"/> characters of nursery-rhyme-like sentences from a small grammar, for
    /// character-level generation: regular enough that a small network learns words and punctuation quickly.
    /// </summary>
    public static string Rhymes(int characters, int seed)
    {
        var random = new Random(seed);
        string[] subjects = ["the little cat", "the old dog", "a small bird", "the quiet fox", "my brother", "the red hen", "a tired sailor", "the king"];
        string[] verbs = ["sat on", "ran to", "looked at", "sang to", "dreamed of", "walked by", "slept near", "waited for"];
        string[] objects = ["the green hill", "the silver moon", "the wooden door", "a yellow boat", "the deep river", "the morning sun", "an open window", "the garden wall"];
        string[] tails = [".", ", and then it rained.", " all day long.", " in the night.", ", singing softly.", "."];
        var text = new StringBuilder();
        while (text.Length < characters)
        {
            string sentence = $"{subjects[random.Next(subjects.Length)]} {verbs[random.Next(verbs.Length)]} {objects[random.Next(objects.Length)]}{tails[random.Next(tails.Length)]}";
            text.Append(char.ToUpperInvariant(sentence[0])).Append(sentence, 1, sentence.Length - 1).Append(random.Next(4) == 0 ? "\n" : " ");
        }
        return text.ToString();
    }

    // A small English → Spanish grammar: subject, verb, article, noun, an optional adjective (after the noun in
    // Spanish, so the words swap places) and an optional time phrase. Spanish verbs: yo, tú, él / ella, nosotros, ellos.
    private static readonly (string English, string Spanish, int Person)[] Subjects =
        [("I", "yo", 0), ("you", "tú", 1), ("he", "él", 2), ("she", "ella", 2), ("we", "nosotros", 3), ("they", "ellos", 4)];
    private static readonly (string Base, string Third, string[] Spanish)[] Verbs =
    [
        ("see", "sees", ["veo", "ves", "ve", "vemos", "ven"]),
        ("have", "has", ["tengo", "tienes", "tiene", "tenemos", "tienen"]),
        ("want", "wants", ["quiero", "quieres", "quiere", "queremos", "quieren"]),
        ("need", "needs", ["necesito", "necesitas", "necesita", "necesitamos", "necesitan"]),
        ("buy", "buys", ["compro", "compras", "compra", "compramos", "compran"]),
    ];
    private static readonly (string English, string Spanish, bool Feminine)[] Nouns =
    [
        ("book", "libro", false), ("house", "casa", true), ("cat", "gato", false), ("car", "coche", false),
        ("apple", "manzana", true), ("letter", "carta", true), ("dog", "perro", false), ("table", "mesa", true),
    ];
    private static readonly (string English, string Masculine, string Feminine)[] Adjectives =
        [("red", "rojo", "roja"), ("big", "grande", "grande"), ("new", "nuevo", "nueva"), ("small", "pequeño", "pequeña")];
    private static readonly (string English, string Spanish)[] Times = [("today", "hoy"), ("now", "ahora"), ("every day", "cada día")];

    /// <summary>
    /// English sentences and their Spanish translations from a small grammar ("she sees the red car today." →
    /// "ella ve el coche rojo hoy."): adjectives move behind the noun and verbs agree with the subject, so a
    /// translator has to reorder and align words. With <paramref name="maxClauses"/> above 1, a sentence joins up to
    /// that many clauses with "and" / "y", which makes long sentences that a fixed-size summary of the source cannot
    /// hold. Made by this code; line numbers count from 1.
    /// </summary>
    public static Data.TranslationPair[] Translations(int count, int seed, int maxClauses = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClauses, 1);
        var random = new Random(seed);
        var pairs = new Data.TranslationPair[count];
        for (int i = 0; i < count; i++)
        {
            var clauses = Enumerable.Range(0, 1 + random.Next(maxClauses)).Select(_ => Clause(random)).ToArray();
            pairs[i] = new Data.TranslationPair(string.Join(" and ", clauses.Select(c => c.English)) + ".",
                string.Join(" y ", clauses.Select(c => c.Spanish)) + ".", i + 1);
        }
        return pairs;
    }

    private static (string English, string Spanish) Clause(Random random)
    {
        var subject = Subjects[random.Next(Subjects.Length)];
        var verb = Verbs[random.Next(Verbs.Length)];
        var noun = Nouns[random.Next(Nouns.Length)];
        bool definite = random.Next(2) == 0;
        int adjective = random.Next(Adjectives.Length + 1) - 1, time = random.Next(Times.Length + 1) - 1;
        string described = (adjective >= 0 ? Adjectives[adjective].English + " " : "") + noun.English;
        string englishArticle = definite ? "the" : "aeiou".Contains(described[0]) ? "an" : "a";
        string english = $"{subject.English} {(subject.Person == 2 ? verb.Third : verb.Base)} {englishArticle} {described}"
            + (time >= 0 ? " " + Times[time].English : "");
        string article = definite ? (noun.Feminine ? "la" : "el") : (noun.Feminine ? "una" : "un");
        string spanish = $"{subject.Spanish} {verb.Spanish[subject.Person]} {article} {noun.Spanish}"
            + (adjective >= 0 ? " " + (noun.Feminine ? Adjectives[adjective].Feminine : Adjectives[adjective].Masculine) : "")
            + (time >= 0 ? " " + Times[time].Spanish : "");
        return (english, spanish);
    }
}
