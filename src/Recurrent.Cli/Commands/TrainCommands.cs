using System.CommandLine;
using Recurrent.Applications;
using Recurrent.Cli.Output;
using Recurrent.Data;
using Recurrent.Models;

namespace Recurrent.Cli.Commands;

/// <summary><c>recurrent train classify | generate | forecast | translate</c>.</summary>
internal static class TrainCommands
{
    public static Command Create(CliConsole console) =>
        new("train", "Train a model on a data file and save it.") { Classify(console), Generate(console), Forecast(console), Translate(console) };

    private static Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };

    private static Command Classify(CliConsole console)
    {
        var data = Required("--data", "Training data: CSV or TSV with a header.");
        var testData = new Option<string?>("--test-data") { Description = "Test data in the same format, reported after training." };
        var textColumn = new Option<string>("--text-column") { Description = "Column with the text.", DefaultValueFactory = _ => "text" };
        var labelColumn = new Option<string>("--label-column") { Description = "Column with the label.", DefaultValueFactory = _ => "label" };
        var level = new Option<string>("--level") { Description = "Tokens: word or char.", DefaultValueFactory = _ => "word" };
        var vocabSize = new Option<int?>("--vocab-size") { Description = "Keep only the most frequent tokens." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per text (default: the longest training text)." };
        var padding = new Option<string>("--padding") { Description = "pre or post.", DefaultValueFactory = _ => "pre" };
        var truncating = new Option<string>("--truncating") { Description = "pre or post.", DefaultValueFactory = _ => "pre" };
        var embeddingDim = new Option<int>("--embedding-dim") { Description = "Length of the token vectors.", DefaultValueFactory = _ => 32 };
        var model = Required("--model", "Where to save the model file.");
        var common = new NetworkOptionSet();
        var command = new Command("classify", "Text classification (e.g. sentiment) from labelled texts.")
            { data, testData, textColumn, labelColumn, level, vocabSize, maxLength, padding, truncating, embeddingDim, model };
        common.AddTo(command);
        command.SetAction(parsed =>
        {
            var (texts, labels) = LabelledTexts.Read(parsed.GetValue(data)!, parsed.GetValue(textColumn)!, parsed.GetValue(labelColumn)!);
            var options = new TextClassifierOptions
            {
                CharLevel = Level(parsed.GetValue(level)!),
                VocabSize = parsed.GetValue(vocabSize),
                MaxLength = parsed.GetValue(maxLength),
                Padding = parsed.GetValue(padding) switch { "pre" => Padding.Pre, "post" => Padding.Post, var p => throw new UsageException($"--padding must be pre or post, got '{p}'.") },
                Truncating = parsed.GetValue(truncating) switch { "pre" => Truncating.Pre, "post" => Truncating.Post, var t => throw new UsageException($"--truncating must be pre or post, got '{t}'.") },
                EmbeddingDim = parsed.GetValue(embeddingDim),
            };
            TextClassifier classifier = console.Train(parsed.GetValue(common.Quiet), callbacks =>
                TextClassifier.Train(texts, labels, options, common.Read(parsed, callbacks)));
            var parts = FinalMetrics(classifier.History!);
            if (parsed.GetValue(testData) is string testPath)
            {
                var (testTexts, testLabels) = LabelledTexts.Read(testPath, parsed.GetValue(textColumn)!, parsed.GetValue(labelColumn)!);
                parts["test"] = classifier.Evaluate(testTexts, testLabels);
            }
            classifier.Save(parsed.GetValue(model)!);
            Finish(console, parsed, common, classifier.History!, parts, $"saved {parsed.GetValue(model)}");
        });
        return command;
    }

    private static Command Generate(CliConsole console)
    {
        var data = Required("--data", "A plain UTF-8 text file.");
        var level = new Option<string>("--level") { Description = "Tokens: char or word.", DefaultValueFactory = _ => "char" };
        var seqLength = new Option<int>("--seq-length") { Description = "Tokens per training sequence.", DefaultValueFactory = _ => 64 };
        var embeddingDim = new Option<int>("--embedding-dim") { Description = "Length of the token vectors.", DefaultValueFactory = _ => 32 };
        var model = Required("--model", "Where to save the model file.");
        var common = new NetworkOptionSet();
        var command = new Command("generate", "Text generation: learn to continue a text one token at a time.") { data, level, seqLength, embeddingDim, model };
        common.AddTo(command);
        command.SetAction(parsed =>
        {
            string text = Text.ReadCorpus(parsed.GetValue(data)!);
            var options = new TextGeneratorOptions
            {
                CharLevel = Level(parsed.GetValue(level)!),
                SeqLength = parsed.GetValue(seqLength),
                EmbeddingDim = parsed.GetValue(embeddingDim),
            };
            TextGenerator generator = console.Train(parsed.GetValue(common.Quiet), callbacks =>
                TextGenerator.Train(text, options, common.Read(parsed, callbacks)));
            var parts = FinalMetrics(generator.History!);
            generator.Save(parsed.GetValue(model)!);
            Finish(console, parsed, common, generator.History!, parts, $"saved {parsed.GetValue(model)}");
            string prompt = string.Concat(text.Take(Math.Min(options.SeqLength, 20)));
            console.Out.WriteLine($"sample (greedy): {generator.Generate(prompt, 120, temperature: 0)}");
        });
        return command;
    }

    private static Command Forecast(CliConsole console)
    {
        var data = Required("--data", "CSV with a header.");
        var column = Required("--column", "Numeric column to forecast.");
        var window = new Option<int>("--window") { Description = "Past values the model sees.", DefaultValueFactory = _ => 12 };
        var horizon = new Option<int>("--horizon") { Description = "Future values it predicts.", DefaultValueFactory = _ => 1 };
        var testSize = new Option<int>("--test-size") { Description = "Hold out the last N targets as the test set." };
        var scale = new Option<string>("--scale") { Description = "minmax, standard or none (fitted on the training part).", DefaultValueFactory = _ => "minmax" };
        var log = new Option<bool>("--log") { Description = "Model the logarithm of the values (growth proportional to the level; values must be positive)." };
        var difference = new Option<bool>("--difference") { Description = "Model the change from one value to the next (for series with a trend)." };
        var model = Required("--model", "Where to save the model file.");
        var common = new NetworkOptionSet();
        var command = new Command("forecast", "Time-series forecasting from a column of a CSV file.") { data, column, window, horizon, testSize, scale, log, difference, model };
        common.AddTo(command);
        command.SetAction(parsed =>
        {
            double[] series = Csv.Read(parsed.GetValue(data)!).NumericColumn(parsed.GetValue(column)!);
            var options = new ForecasterOptions
            {
                Column = parsed.GetValue(column)!,
                Window = parsed.GetValue(window),
                Horizon = parsed.GetValue(horizon),
                TestSize = parsed.GetValue(testSize),
                Scale = parsed.GetValue(scale)!,
                Log = parsed.GetValue(log),
                Difference = parsed.GetValue(difference),
            };
            Forecaster forecaster = console.Train(parsed.GetValue(common.Quiet), callbacks =>
                Forecaster.Train(series, options, common.Read(parsed, callbacks)));
            var parts = FinalMetrics(forecaster.History!);
            if (forecaster.TestReport is { } test) parts["test"] = test.Metrics;
            forecaster.Save(parsed.GetValue(model)!);
            if (parsed.GetValue(common.Plot) is string plot && forecaster.TestReport is { } report)
            {
                Charts.Forecast(series, report.FirstTarget, report.Predictions, null, plot, $"{options.Column}: held-out forecast");
                Finish(console, parsed, common, null, parts, $"saved {parsed.GetValue(model)}");
            }
            else Finish(console, parsed, common, forecaster.History!, parts, $"saved {parsed.GetValue(model)}");
        });
        return command;
    }

    private static Command Translate(CliConsole console)
    {
        var data = Required("--data", "Sentence pairs: UTF-8, one pair a line, source and translation separated by a tab, no header.");
        var attention = new Option<string>("--attention") { Description = "luong, bahdanau or none.", DefaultValueFactory = _ => "luong" };
        var embeddingDim = new Option<int>("--embedding-dim") { Description = "Length of the word vectors.", DefaultValueFactory = _ => 64 };
        var vocabSize = new Option<int?>("--vocab-size") { Description = "Keep only the most frequent words of each language (others become <unk>)." };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the per-step cross-entropy.", DefaultValueFactory = _ => 0.1 };
        var model = Required("--model", "Where to save the model file.");
        var pairOptions = new PairOptions();
        var common = new NetworkOptionSet();
        var command = new Command("translate", "Sequence-to-sequence translation from sentence pairs (encoder-decoder with attention).")
            { data, attention, embeddingDim, vocabSize, labelSmoothing, model };
        pairOptions.AddTo(command);
        common.AddTo(command);
        command.SetAction(parsed =>
        {
            var (all, train, test) = pairOptions.Read(parsed, parsed.GetValue(data)!);
            var options = new TranslatorOptions
            {
                Attention = parsed.GetValue(attention)!,
                EmbeddingDim = parsed.GetValue(embeddingDim),
                VocabSize = parsed.GetValue(vocabSize),
                LabelSmoothing = parsed.GetValue(labelSmoothing),
            };
            Translator translator = console.Train(parsed.GetValue(common.Quiet), callbacks =>
                Translator.Train(train, options, common.Read(parsed, callbacks)));
            var parts = FinalMetrics(translator.History!);
            translator.Save(parsed.GetValue(model)!);
            if (test.Count > 0)
            {
                TranslationScores scores = pairOptions.Evaluate(parsed, translator, test, all);
                parts["test"] = PairOptions.Metrics(scores);
                console.Out.WriteLine($"test: {scores.Bleu}");
                PairOptions.Samples(console.Out, test, scores.Translations, 5);
            }
            Finish(console, parsed, common, translator.History!, parts, $"saved {parsed.GetValue(model)}");
        });
        return command;
    }

    private static bool Level(string level) => level switch
    {
        "char" => true,
        "word" => false,
        _ => throw new UsageException($"--level must be word or char, got '{level}'."),
    };

    /// <summary>The last epoch's training and validation values.</summary>
    internal static Dictionary<string, IReadOnlyDictionary<string, double>> FinalMetrics(History history)
    {
        var parts = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        if (history.Epochs.Count == 0) return parts;
        parts["train"] = history.Values.Where(kv => !kv.Key.StartsWith("val_", StringComparison.Ordinal) && kv.Key != "learning_rate")
            .ToDictionary(kv => kv.Key, kv => kv.Value[^1]);
        var validation = history.Values.Where(kv => kv.Key.StartsWith("val_", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[4..], kv => kv.Value[^1]);
        if (validation.Count > 0) parts["validation"] = validation;
        return parts;
    }

    // Prints the metric table, writes --json and the --plot loss chart (unless the verb drew its own).
    private static void Finish(CliConsole console, ParseResult parsed, NetworkOptionSet common, History? history,
        Dictionary<string, IReadOnlyDictionary<string, double>> parts, string message)
    {
        common.DeleteBackup();
        Reports.Table(console.Out, parts);
        if (parsed.GetValue(common.Json) is string json) Reports.Json(json, parts);
        if (history is not null && parsed.GetValue(common.Plot) is string plot && history.Epochs.Count > 0) Charts.Loss(history, plot, "loss per epoch");
        console.Out.WriteLine(message);
    }
}
