using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.Applications;
using Recurrent.Cli.Output;
using Recurrent.Data;
using Recurrent.IO;

namespace Recurrent.Cli.Commands;

/// <summary>The options that say how to read a sentence-pairs file, shared by training, translating and evaluating.</summary>
internal sealed class PairOptions
{
    public Option<int> SourceColumn { get; } = new("--source-column") { Description = "Column (from 0) of the sentence to translate.", DefaultValueFactory = _ => 0 };
    public Option<int> TargetColumn { get; } = new("--target-column") { Description = "Column of its translation.", DefaultValueFactory = _ => 1 };
    public Option<int> MaxTokens { get; } = new("--max-tokens") { Description = "Refuse sentences longer than this many tokens.", DefaultValueFactory = _ => 50 };
    public Option<int?> TestEvery { get; } = new("--test-every") { Description = "Hold out every K-th pair as the test set (the same pairs in train and evaluate)." };
    public Option<int> Beam { get; } = new("--beam") { Description = "Beam width; 1 = greedy search.", DefaultValueFactory = _ => 1 };
    public Option<double> LengthPenalty { get; } = new("--length-penalty") { Description = "Beam search ranks finished translations by score / length^α.", DefaultValueFactory = _ => 1.0 };

    public void AddTo(Command command, bool decoding = true)
    {
        foreach (Option option in new Option[] { SourceColumn, TargetColumn, MaxTokens, TestEvery })
            command.Add(option);
        if (!decoding) return;
        command.Add(Beam);
        command.Add(LengthPenalty);
    }

    /// <summary>Every pair of the file, and the pairs to train and to test on (test is empty without --test-every).</summary>
    public (IReadOnlyList<TranslationPair> All, IReadOnlyList<TranslationPair> Train, IReadOnlyList<TranslationPair> Test) Read(ParseResult parsed, string path)
    {
        IReadOnlyList<TranslationPair> pairs = TranslationPairs.Read(path, parsed.GetValue(SourceColumn), parsed.GetValue(TargetColumn), parsed.GetValue(MaxTokens));
        if (parsed.GetValue(TestEvery) is not int every) return (pairs, pairs, []);
        var (train, test) = TranslationPairs.HoldOutEvery(pairs, every);
        return (pairs, train, test);
    }

    /// <summary>BLEU, token accuracy and loss on the test pairs (or all pairs), with every translation the file gives for a source as its references.</summary>
    public TranslationScores Evaluate(ParseResult parsed, Translator translator, IReadOnlyList<TranslationPair> pairs, IReadOnlyList<TranslationPair> all) =>
        translator.Evaluate(pairs, parsed.GetValue(Beam), parsed.GetValue(LengthPenalty), references: all);

    public static Dictionary<string, double> Metrics(TranslationScores scores) => new()
    {
        ["bleu"] = scores.Bleu.Score,
        ["token_accuracy"] = scores.TokenAccuracy,
        ["loss"] = scores.Loss,
    };

    /// <summary>Prints up to <paramref name="count"/> sources with their translation and reference.</summary>
    public static void Samples(TextWriter output, IReadOnlyList<TranslationPair> pairs, IReadOnlyList<Translation> translations, int count)
    {
        for (int i = 0; i < Math.Min(count, pairs.Count); i++)
            output.WriteLine($"  {pairs[i].Source}  →  {translations[i].Text}   (reference: {pairs[i].Target})");
    }
}

/// <summary><c>recurrent translate</c>: translate sentences with a model from <c>recurrent train translate</c>.</summary>
internal static class TranslateCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file from `recurrent train translate`.", Required = true };
        var text = new Option<string?>("--text") { Description = "One sentence to translate." };
        var data = new Option<string?>("--data") { Description = "A UTF-8 file of sentences, one a line (with tabs: --source-column is the sentence)." };
        var sourceColumn = new Option<int>("--source-column") { Description = "With --data: column (from 0) of the sentence when lines have tabs.", DefaultValueFactory = _ => 0 };
        var beam = new Option<int>("--beam") { Description = "Beam width; 1 = greedy search.", DefaultValueFactory = _ => 1 };
        var lengthPenalty = new Option<double>("--length-penalty") { Description = "Beam search ranks finished translations by score / length^α.", DefaultValueFactory = _ => 1.0 };
        var maxLength = new Option<int?>("--max-length") { Description = "Most tokens per translation (default: the longest training target + 5)." };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG heat map of the attention weights of the first sentence here." };
        var json = new Option<string?>("--json") { Description = "Write the translations here as JSON." };
        var command = new Command("translate", "Translate sentences.") { model, text, data, sourceColumn, beam, lengthPenalty, maxLength, plot, json };
        command.SetAction(parsed =>
        {
            Translator translator = Translator.Load(EvaluateCommand.Existing(parsed.GetValue(model)!));
            if ((parsed.GetValue(text) is null) == (parsed.GetValue(data) is null)) throw new UsageException("translate needs exactly one of --text or --data.");
            string[] sources = parsed.GetValue(text) is string one ? [one] : Sentences(parsed.GetValue(data)!, parsed.GetValue(sourceColumn));
            IReadOnlyList<Translation> translations = translator.Translate(sources, parsed.GetValue(beam), parsed.GetValue(lengthPenalty), parsed.GetValue(maxLength));
            for (int i = 0; i < sources.Length; i++)
                console.Out.WriteLine(sources.Length == 1 ? translations[i].Text : $"{sources[i]}\t{translations[i].Text}");
            if (parsed.GetValue(plot) is string png)
            {
                Translation first = translations[0];
                if (first.Attention is not float[,] weights) throw new UsageException($"{parsed.GetValue(model)} has no attention to plot (trained with --attention none).");
                string[] rows = [.. first.Words, .. Enumerable.Repeat("<end>", weights.GetLength(0) - first.Words.Count)];
                Charts.Attention(weights, first.SourceWords, rows, png, $"attention: {sources[0]}");
            }
            if (parsed.GetValue(json) is string jsonPath)
                AtomicFile.WriteAllText(jsonPath, new JsonArray(sources.Select((s, i) => (JsonNode)new JsonObject
                {
                    ["source"] = s,
                    ["translation"] = translations[i].Text,
                    ["words"] = new JsonArray(translations[i].Words.Select(w => (JsonNode)w).ToArray()),
                    ["score"] = translations[i].Score,
                }).ToArray()).ToJsonString() + "\n");
        });
        return command;
    }

    // The sentences of a file: each non-empty line, or its column when the line has tabs.
    private static string[] Sentences(string path, int column)
    {
        string[] lines = Text.ReadCorpus(path).Split('\n').ToArray();
        var sentences = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            string[] fields = lines[i].Split('\t');
            if (fields.Length > 1 && column >= fields.Length)
                throw new InvalidDataException($"{path}: line {i + 1} has {fields.Length} columns; the sentence is column {column + 1}.");
            sentences.Add(fields.Length > 1 ? fields[column].Trim() : lines[i].Trim());
        }
        if (sentences.Count == 0) throw new InvalidDataException($"{path}: there are no sentences to translate.");
        return [.. sentences];
    }

    internal static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
