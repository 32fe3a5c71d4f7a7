// Sequence-to-sequence translation, English → Spanish, on sentences of one to three clauses from DemoData's small
// grammar (adjectives move behind the noun in Spanish, verbs agree with the subject). An LSTM encoder's final states
// start an LSTM decoder trained with teacher forcing; with attention, every decoder step also looks at the encoder's
// outputs (Luong's general score). Both models get the same budget: without attention the whole sentence must pass
// through the encoder's final state, and the held-out BLEU shows what that costs on long sentences. The attention
// weights of one sentence show which English word each Spanish word looked at.
using System.Globalization;
using Recurrent.Applications;
using Recurrent.Data;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
TranslationPair[] pairs = DemoData.Translations(4000, seed: 1, maxClauses: 3);
var (train, test) = TranslationPairs.HoldOutEvery(pairs, 10);
var network = new NetworkOptions { Units = 64, Epochs = 12, BatchSize = 32, LearningRate = 0.005, Seed = 1 };

Translator translator = null!;
foreach (string attention in new[] { "none", "luong" })
{
    var started = DateTime.UtcNow;
    translator = Translator.Train(train, new TranslatorOptions { Attention = attention, EmbeddingDim = 32 }, network);
    TranslationScores scores = translator.Evaluate(test, references: pairs);
    Console.WriteLine($"attention {attention,-5}: {scores.Bleu}, token accuracy {scores.TokenAccuracy:P1} ({(DateTime.UtcNow - started).TotalSeconds:0} s)");
}

translator.Model.Summary();
string[] sentences = ["she sees the red car today.", "we want a small apple and they have the new book every day.",
    "i have a cat and you buy a small house and he sees the big dog now."];
foreach (int beam in new[] { 1, 4 })
    foreach (Translation translation in translator.Translate(sentences, beam: beam))
        Console.WriteLine($"beam {beam}: {translation.Text}");

// Which source word each output word attended to: the row's largest weight.
Translation first = translator.Translate([sentences[0]])[0];
Console.WriteLine($"\nattention of \"{sentences[0]}\":");
Console.WriteLine("            " + string.Concat(first.SourceWords.Select(w => $"{w,8}")));
for (int r = 0; r < first.Attention!.GetLength(0); r++)
{
    string word = r < first.Words.Count ? first.Words[r] : "<end>";
    Console.WriteLine($"{word,-12}" + string.Concat(Enumerable.Range(0, first.SourceWords.Count).Select(c => $"{first.Attention[r, c],8:0.00}")));
}
