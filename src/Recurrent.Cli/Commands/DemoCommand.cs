using System.CommandLine;
using System.Diagnostics;
using Recurrent.Applications;
using Recurrent.Cli.Output;

namespace Recurrent.Cli.Commands;

/// <summary>
/// <c>recurrent demo</c>: the four applications on built-in data — sentiment classification of generated sentences,
/// character-level generation of a generated text, forecasting of the airline passenger figures, and translation of
/// generated English sentences into Spanish — with metrics, samples and charts in ./recurrent-demo/.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var folder = new Option<string>("--output") { Description = "Folder for the charts and models.", DefaultValueFactory = _ => "recurrent-demo" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };
        var command = new Command("demo", "Train and show the four applications on built-in data (about 10 seconds).") { folder, quiet };
        command.SetAction(parsed => Run(console, parsed.GetValue(folder)!, parsed.GetValue(quiet)));
        return command;
    }

    private static void Run(CliConsole console, string folder, bool quiet)
    {
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        TextWriter output = console.Out;

        output.WriteLine("1. Sentiment classification (generated sentences such as \"i am not very happy\")");
        var (texts, labels) = DemoData.Sentiment(600, seed: 1);
        var (testTexts, testLabels) = DemoData.Sentiment(200, seed: 2);
        TextClassifier classifier = console.Train(quiet, callbacks => TextClassifier.Train(texts, labels, new TextClassifierOptions { EmbeddingDim = 16 },
            new NetworkOptions { Cell = CellKind.Lstm, Units = 32, Epochs = 12, BatchSize = 32, LearningRate = 0.01, Seed = 1, Callbacks = callbacks }));
        var test = classifier.Evaluate(testTexts, testLabels);
        Reports.Table(output, new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["train (first epoch)"] = new Dictionary<string, double> { ["loss"] = classifier.History!["loss"][0], ["accuracy"] = classifier.History["accuracy"][0] },
            ["train (last epoch)"] = new Dictionary<string, double> { ["loss"] = classifier.History["loss"][^1], ["accuracy"] = classifier.History["accuracy"][^1] },
            ["test"] = test,
        });
        foreach (string sentence in new[] { "i am very happy", "i am not happy", "this was not bad", "you are very wrong" })
        {
            var (label, probabilities) = classifier.Predict([sentence])[0];
            output.WriteLine($"   \"{sentence}\" → {(label == "1" ? "positive" : "negative")} (p = {probabilities.Max():0.00})");
        }
        classifier.Save(Path.Combine(folder, "sentiment.rnn"));
        Charts.Loss(classifier.History, Path.Combine(folder, "sentiment-loss.png"), "Sentiment classifier: loss per epoch");

        output.WriteLine();
        output.WriteLine("2. Character-level text generation (a generated nursery-rhyme text, 30,000 characters)");
        string text = DemoData.Rhymes(30_000, seed: 3);
        TextGenerator generator = console.Train(quiet, callbacks => TextGenerator.Train(text, new TextGeneratorOptions { SeqLength = 48, EmbeddingDim = 16 },
            new NetworkOptions { Cell = CellKind.Lstm, Units = 128, Epochs = 15, BatchSize = 32, LearningRate = 0.01, ValidationSplit = 0.1, Seed = 1, Callbacks = callbacks }));
        double first = generator.History!["val_loss"][0], last = generator.History["val_loss"][^1];
        output.WriteLine($"   validation cross-entropy per character: {first:0.000} nats after epoch 1 → {last:0.000} after epoch {generator.History.Epochs.Count} (uniform guessing: {Math.Log(generator.Tokenizer.VocabularySize - 1):0.000})");
        output.WriteLine($"   greedy:            {generator.Generate("The little cat", 80, temperature: 0).ReplaceLineEndings(" ")}");
        output.WriteLine($"   temperature 0.8:   {generator.Generate("The old dog", 80, temperature: 0.8, seed: 7).ReplaceLineEndings(" ")}");
        generator.Save(Path.Combine(folder, "rhymes.rnn"));
        Charts.Loss(generator.History, Path.Combine(folder, "generator-loss.png"), "Character generator: loss per epoch");

        output.WriteLine();
        output.WriteLine("3. Forecasting monthly airline passengers 1949–1960 (window 12 of monthly log changes, last 24 months held out)");
        double[] passengers = [.. DemoData.AirlinePassengers];
        Forecaster forecaster = console.Train(quiet, callbacks => Forecaster.Train(passengers, new ForecasterOptions { Column = "passengers", Window = 12, TestSize = 24, Log = true, Difference = true },
            new NetworkOptions { Cell = CellKind.Lstm, Units = 50, Epochs = 300, BatchSize = 16, Seed = 1, Callbacks = callbacks }));
        var report = forecaster.TestReport!;
        output.WriteLine($"   test RMSE {report.Metrics["rmse"]:0.0} thousand passengers (persistence baseline {report.Metrics["baseline_rmse"]:0.0}), MAE {report.Metrics["mae"]:0.0} (baseline {report.Metrics["baseline_mae"]:0.0})");
        double[] future = forecaster.Forecast(passengers, 12);
        output.WriteLine($"   1961 forecast: {string.Join(", ", future.Select(v => v.ToString("0")))}");
        forecaster.Save(Path.Combine(folder, "passengers.rnn"));
        Charts.Forecast(passengers, report.FirstTarget, report.Predictions, future, Path.Combine(folder, "forecast.png"), "Airline passengers: held-out months and 1961 forecast");

        output.WriteLine();
        output.WriteLine("4. Translation, English → Spanish (generated sentences of 1-3 clauses; adjectives follow the noun in Spanish)");
        Data.TranslationPair[] pairs = DemoData.Translations(4000, seed: 1, maxClauses: 3);
        var (trainPairs, testPairs) = Data.TranslationPairs.HoldOutEvery(pairs, 10);
        Translator translator = console.Train(quiet, callbacks => Translator.Train(trainPairs, new TranslatorOptions { Attention = "luong", EmbeddingDim = 32 },
            new NetworkOptions { Cell = CellKind.Lstm, Units = 64, Epochs = 12, BatchSize = 32, LearningRate = 0.005, Seed = 1, Callbacks = callbacks }));
        TranslationScores scores = translator.Evaluate(testPairs, beam: 4, references: pairs);
        output.WriteLine($"   held-out {scores.Bleu}, token accuracy {scores.TokenAccuracy:P1}");
        string[] sentences = ["she sees the red car today.", "we want a small apple and they need the new table every day.",
            "i have a cat and you buy a small house and he sees the big dog now."];
        IReadOnlyList<Translation> translations = translator.Translate(sentences, beam: 4);
        for (int i = 0; i < sentences.Length; i++) output.WriteLine($"   \"{sentences[i]}\" → \"{translations[i].Text}\"");
        translator.Save(Path.Combine(folder, "translator.rnn"));
        Translation shown = translations[0];
        Charts.Attention(shown.Attention!, shown.SourceWords, [.. shown.Words, .. Enumerable.Repeat("<end>", shown.Attention!.GetLength(0) - shown.Words.Count)],
            Path.Combine(folder, "attention.png"), $"Attention: {sentences[0]}");

        output.WriteLine();
        output.WriteLine($"Charts and models are in {Path.GetFullPath(folder)} (finished in {clock.Elapsed.TotalSeconds:0} s).");
    }
}
