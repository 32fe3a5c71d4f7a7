using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.Applications;
using Recurrent.Cli.Output;
using Recurrent.Data;
using Recurrent.Interop.Onnx;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Cli.Commands;

/// <summary><c>recurrent evaluate</c>: loss and metrics of a saved model on a data file.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file from `recurrent train`.", Required = true };
        var data = new Option<string>("--data") { Description = "Data in the format the model was trained on.", Required = true };
        var textColumn = new Option<string>("--text-column") { Description = "Text column (classify).", DefaultValueFactory = _ => "text" };
        var labelColumn = new Option<string>("--label-column") { Description = "Label column (classify).", DefaultValueFactory = _ => "label" };
        var column = new Option<string?>("--column") { Description = "Series column (forecast; default: the one trained on)." };
        var json = new Option<string?>("--json") { Description = "Write the metrics here as JSON." };
        var pairs = new PairOptions();
        var command = new Command("evaluate", "Loss and metrics of a model on labelled data (BLEU and token accuracy for translation).") { model, data, textColumn, labelColumn, column, json };
        pairs.AddTo(command);
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(model)!, dataPath = parsed.GetValue(data)!;
            IReadOnlyDictionary<string, double> metrics = ApplicationFile.KindOf(Existing(path)) switch
            {
                "classify" => Classify(path, dataPath, parsed.GetValue(textColumn)!, parsed.GetValue(labelColumn)!),
                "generate" => TextGenerator.Load(path).Evaluate(Text.ReadCorpus(dataPath)),
                "forecast" => ForecastMetrics(path, dataPath, parsed.GetValue(column)),
                "translate" => TranslationMetrics(console, parsed, pairs, path, dataPath),
                var kind => throw new InvalidModelFileException($"{path}: unknown application '{kind}'."),
            };
            var parts = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["data"] = metrics };
            Reports.Table(console.Out, parts);
            if (parsed.GetValue(json) is string jsonPath) Reports.Json(jsonPath, parts);
        });
        return command;
    }

    private static IReadOnlyDictionary<string, double> Classify(string path, string data, string textColumn, string labelColumn)
    {
        var (texts, labels) = LabelledTexts.Read(data, textColumn, labelColumn);
        return TextClassifier.Load(path).Evaluate(texts, labels);
    }

    private static IReadOnlyDictionary<string, double> TranslationMetrics(CliConsole console, ParseResult parsed, PairOptions pairs, string path, string data)
    {
        Translator translator = Translator.Load(path);
        var (all, _, test) = pairs.Read(parsed, data);
        IReadOnlyList<TranslationPair> evaluated = test.Count > 0 ? test : all;
        TranslationScores scores = pairs.Evaluate(parsed, translator, evaluated, all);
        console.Out.WriteLine($"{evaluated.Count} pairs: {scores.Bleu}");
        PairOptions.Samples(console.Out, evaluated, scores.Translations, 5);
        return PairOptions.Metrics(scores);
    }

    private static IReadOnlyDictionary<string, double> ForecastMetrics(string path, string data, string? column)
    {
        Forecaster forecaster = Forecaster.Load(path);
        return forecaster.Evaluate(Csv.Read(data).NumericColumn(column ?? forecaster.Column)).Metrics;
    }

    /// <summary>The path, or a one-line error when there is no such file.</summary>
    internal static string Existing(string path) => File.Exists(path) ? path : throw new FileNotFoundException($"{path}: no such model file.", path);
}

/// <summary><c>recurrent predict</c>: run a model on texts, a data file or a raw tensor.</summary>
internal static class PredictCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file, or a Keras .h5 / .keras or ONNX file (with --input).", Required = true };
        var text = new Option<string?>("--text") { Description = "One text to classify." };
        var data = new Option<string?>("--data") { Description = "A data file: texts to classify, or a series to continue." };
        var input = new Option<string?>("--input") { Description = "A raw input tensor (.npy or JSON {shape, data}) for the network itself." };
        var textColumn = new Option<string>("--text-column") { Description = "Text column of --data (classify).", DefaultValueFactory = _ => "text" };
        var json = new Option<string?>("--json") { Description = "Write the predictions here as JSON." };
        var output = new Option<string?>("--output") { Description = "With --input: write the output tensor here as JSON {shape, data}." };
        var config = new Option<string?>("--config") { Description = "With a Keras weights file as --model: the architecture JSON of model.to_json()." };
        var command = new Command("predict", "Predictions of a model (a model file, or a Keras or ONNX file with --input).") { model, text, data, input, textColumn, json, output, config };
        command.SetAction(parsed =>
        {
            string path = EvaluateCommand.Existing(parsed.GetValue(model)!);
            int given = new[] { parsed.GetValue(text), parsed.GetValue(data), parsed.GetValue(input) }.Count(v => v is not null);
            if (given != 1) throw new UsageException("predict needs exactly one of --text, --data or --input.");
            if (NetworkFiles.IsForeign(path) && parsed.GetValue(input) is null)
                throw new UsageException($"{path} holds a network without our preprocessing; predict from it with --input TENSOR.");
            JsonNode result;
            if (parsed.GetValue(input) is string tensorPath)
            {
                var network = NetworkFiles.Load(path, kerasConfig: parsed.GetValue(config)).Model;
                var prediction = network.Predict(TensorFiles.Read(tensorPath));
                if (parsed.GetValue(output) is string outputPath) TensorFiles.WriteJson(outputPath, prediction);
                else console.Out.WriteLine(TensorFiles.ToJson(prediction).ToJsonString());
                result = TensorFiles.ToJson(prediction);
            }
            else if (ApplicationFile.KindOf(path) == "forecast")
            {
                if (parsed.GetValue(data) is not string series) throw new UsageException("a forecast model predicts from --data CSV.");
                Forecaster forecaster = Forecaster.Load(path);
                double[] next = forecaster.Forecast(Csv.Read(series).NumericColumn(forecaster.Column), forecaster.Horizon);
                console.Out.WriteLine($"next {forecaster.Column}: {string.Join(", ", next.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))}");
                result = new JsonArray(next.Select(v => (JsonNode)v).ToArray());
            }
            else
            {
                TextClassifier classifier = TextClassifier.Load(path);
                string[] texts = parsed.GetValue(text) is string one ? [one] : Csv.Read(parsed.GetValue(data)!).Column(parsed.GetValue(textColumn)!);
                var predictions = classifier.Predict(texts);
                var rows = new JsonArray();
                for (int i = 0; i < texts.Length; i++)
                {
                    var (label, probabilities) = predictions[i];
                    console.Out.WriteLine($"{label}\t{string.Join(" ", probabilities.Select(p => p.ToString("0.0000", CultureInfo.InvariantCulture)))}\t{texts[i]}");
                    rows.Add(new JsonObject
                    {
                        ["text"] = texts[i],
                        ["label"] = label,
                        ["probabilities"] = new JsonObject(classifier.Classes.Select((c, k) => KeyValuePair.Create(c, (JsonNode?)probabilities[k]))),
                    });
                }
                result = rows;
            }
            if (parsed.GetValue(json) is string jsonPath) AtomicFile.WriteAllText(jsonPath, result.ToJsonString() + "\n");
        });
        return command;
    }
}

/// <summary><c>recurrent generate</c>: continue a prompt with a text-generation model.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file from `recurrent train generate`.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue.", DefaultValueFactory = _ => "" };
        var length = new Option<int>("--length") { Description = "Tokens to generate.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = always the most likely token.", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int?>("--top-k") { Description = "Sample only among the K most likely tokens." };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampling.", DefaultValueFactory = _ => 1 };
        var command = new Command("generate", "Generate text from a prompt.") { model, prompt, length, temperature, topK, seed };
        command.SetAction(parsed =>
        {
            TextGenerator generator = TextGenerator.Load(EvaluateCommand.Existing(parsed.GetValue(model)!));
            console.Out.WriteLine(generator.Generate(parsed.GetValue(prompt)!, parsed.GetValue(length), parsed.GetValue(temperature), parsed.GetValue(topK), parsed.GetValue(seed)));
        });
        return command;
    }
}

/// <summary><c>recurrent forecast</c>: continue a series several steps, feeding predictions back.</summary>
internal static class ForecastCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file from `recurrent train forecast`.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV with the series.", Required = true };
        var column = new Option<string?>("--column") { Description = "Series column (default: the one trained on)." };
        var steps = new Option<int>("--steps") { Description = "Values to forecast.", DefaultValueFactory = _ => 12 };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG chart of the series and the forecast here." };
        var json = new Option<string?>("--json") { Description = "Write the forecast here as JSON." };
        var command = new Command("forecast", "Forecast the next values of a series.") { model, data, column, steps, plot, json };
        command.SetAction(parsed =>
        {
            Forecaster forecaster = Forecaster.Load(EvaluateCommand.Existing(parsed.GetValue(model)!));
            string name = parsed.GetValue(column) ?? forecaster.Column;
            double[] series = Csv.Read(parsed.GetValue(data)!).NumericColumn(name);
            double[] future = forecaster.Forecast(series, parsed.GetValue(steps));
            for (int i = 0; i < future.Length; i++)
                console.Out.WriteLine($"t+{i + 1}\t{future[i].ToString("0.###", CultureInfo.InvariantCulture)}");
            if (parsed.GetValue(plot) is string png) Charts.Forecast(series, series.Length, [], future, png, $"{name}: forecast of {future.Length} steps");
            if (parsed.GetValue(json) is string jsonPath)
                AtomicFile.WriteAllText(jsonPath, new JsonObject { ["column"] = name, ["forecast"] = new JsonArray(future.Select(v => (JsonNode)v).ToArray()) }.ToJsonString() + "\n");
        });
        return command;
    }
}

/// <summary><c>recurrent summary</c>: the layer table of a model file.</summary>
internal static class SummaryCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file, or a Keras .h5 / .keras or ONNX file.", Required = true };
        var config = new Option<string?>("--config") { Description = "With a Keras weights file as --model: the architecture JSON of model.to_json()." };
        var command = new Command("summary", "Print a model's layers and parameter counts.") { model, config };
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(model)!;
            // Our model files may hold a graph (a translator); foreign files are always read as a stack of layers.
            LoadedFunctional<float> loaded = NetworkFiles.IsForeign(path) ? Graph(NetworkFiles.Load(path, kerasConfig: parsed.GetValue(config)))
                : ModelFile.LoadFunctional<float>(EvaluateCommand.Existing(path));
            loaded.Model.Log = console.Out;
            loaded.Model.Summary();
            if (loaded.Preprocessing?["application"] is JsonNode application) console.Out.WriteLine($"application: {application}");
        });
        return command;
    }

    private static LoadedFunctional<float> Graph(LoadedModel<float> loaded) => new(loaded.Model, loaded.Preprocessing);
}

/// <summary><c>recurrent export</c>: a model file as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "A model file.", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "Write the network here as ONNX (opset 14, float32, dynamic batch and time).", Required = true };
        var command = new Command("export", "Export a model's network to another format.") { model, onnx };
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(onnx)!;
            string source = EvaluateCommand.Existing(parsed.GetValue(model)!);
            Functional<float> network = ModelFile.LoadFunctional<float>(source).Model;
            OnnxExporter.Export(network as Sequential<float>
                ?? throw new UsageException($"{source}: export writes Sequential models; this file holds the functional model '{network.Name}' (a translator, for example)."), path);
            console.Out.WriteLine($"wrote {path} (ONNX opset {OnnxExporter.Opset}; the network only: preprocessing such as tokenizing or scaling stays with the model file)");
        });
        return command;
    }
}
