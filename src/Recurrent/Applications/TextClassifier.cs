using System.Text.Json.Nodes;
using Recurrent.Data;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Applications;

/// <summary>How texts become model input for <see cref="TextClassifier"/>.</summary>
public sealed record TextClassifierOptions
{
    /// <summary>Tokenise into characters instead of words.</summary>
    public bool CharLevel { get; init; }

    /// <summary>Keep only the most frequent tokens (Keras' num_words); null keeps all.</summary>
    public int? VocabSize { get; init; }

    /// <summary>Pad or cut every text to this many tokens; null uses the longest training text.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Where padding goes (Keras' default: pre).</summary>
    public Padding Padding { get; init; } = Padding.Pre;

    /// <summary>Which end long texts lose (Keras' default: pre).</summary>
    public Truncating Truncating { get; init; } = Truncating.Pre;

    /// <summary>Length of the word vectors.</summary>
    public int EmbeddingDim { get; init; } = 32;
}

/// <summary>
/// Text classification (e.g. sentiment): tokenizer → padded ids → Embedding(mask_zero) → recurrent layers → Dense
/// (sigmoid for two classes, softmax for more). Labels are strings; the classes are their sorted distinct values.
/// </summary>
/// <example>
/// <code>
/// var classifier = TextClassifier.Train(texts, labels, new TextClassifierOptions(), new NetworkOptions { Epochs = 100 });
/// var (label, probabilities) = classifier.Predict(["i am very happy"])[0];
/// classifier.Save("sentiment.rnn");
/// </code>
/// </example>
public sealed class TextClassifier
{
    private const string Kind = "classify";

    private TextClassifier(Sequential<float> model, Tokenizer tokenizer, string[] classes, int maxLength, Padding padding, Truncating truncating)
    {
        Model = model;
        Tokenizer = tokenizer;
        Classes = classes;
        MaxLength = maxLength;
        Padding = padding;
        Truncating = truncating;
    }

    /// <summary>The network.</summary>
    public Sequential<float> Model { get; }

    /// <summary>The tokenizer fitted on the training texts.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>The class labels; class i is Classes[i].</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Tokens per input.</summary>
    public int MaxLength { get; }

    /// <summary>Padding side.</summary>
    public Padding Padding { get; }

    /// <summary>Truncation side.</summary>
    public Truncating Truncating { get; }

    /// <summary>The training history of <see cref="Train"/>.</summary>
    public History? History { get; private set; }

    private bool Binary => Classes.Count == 2;

    /// <summary>Fits a tokenizer and trains a classifier on <paramref name="texts"/> with their <paramref name="labels"/>.</summary>
    public static TextClassifier Train(IReadOnlyList<string> texts, IReadOnlyList<string> labels, TextClassifierOptions options,
        NetworkOptions network, (IReadOnlyList<string> Texts, IReadOnlyList<string> Labels)? validation = null)
    {
        if (texts.Count == 0) throw new ArgumentException("classify: there are no training texts.");
        if (texts.Count != labels.Count) throw new ArgumentException($"classify: {texts.Count} texts but {labels.Count} labels.");
        network.Validate();
        string[] classes = labels.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < 2) throw new ArgumentException($"classify: the labels need at least two classes, found only '{classes.FirstOrDefault()}'.");

        var tokenizer = new Tokenizer(numWords: options.VocabSize, charLevel: options.CharLevel, oovToken: options.CharLevel ? null : "<unk>");
        tokenizer.FitOnTexts(texts);
        int[][] sequences = tokenizer.TextsToSequences(texts);
        int maxLength = options.MaxLength ?? Math.Max(1, sequences.Max(s => s.Length));
        int outputs = classes.Length == 2 ? 1 : classes.Length;
        var model = new Sequential<float>(
            [new Embedding<float>(tokenizer.VocabularySize, options.EmbeddingDim, maskZero: true),
             .. network.RecurrentStack(lastReturnsSequences: false),
             new Dense<float>(outputs, outputs == 1 ? "sigmoid" : "softmax")],
            inputShape: [maxLength], seed: network.Seed, name: "classifier");
        model.Compile(network.CreateOptimizer(), outputs == 1 ? Loss.BinaryCrossentropy() : Loss.SparseCategoricalCrossentropy(), "accuracy");

        var classifier = new TextClassifier(model, tokenizer, classes, maxLength, options.Padding, options.Truncating);
        Tensor<float> x = classifier.Encode(texts), y = classifier.EncodeLabels(labels);
        (Tensor<float>, Tensor<float>)? validationData = validation is var (vTexts, vLabels)
            ? (classifier.Encode(vTexts), classifier.EncodeLabels(vLabels)) : null;
        classifier.History = model.Fit(x, y, network.Epochs, network.BatchSize, network.ValidationSplit, validationData,
            shuffle: network.Shuffle, callbacks: network.TrainingCallbacks(network.ValidationSplit > 0 || validation is not null), verbose: 0);
        return classifier;
    }

    /// <summary>Token ids of the texts, padded and truncated to <see cref="MaxLength"/>: [n, MaxLength].</summary>
    public Tensor<float> Encode(IReadOnlyList<string> texts) =>
        Sequences.Pad<float>(Tokenizer.TextsToSequences(texts), MaxLength, Padding, Truncating);

    private Tensor<float> EncodeLabels(IReadOnlyList<string> labels)
    {
        var y = Tensor<float>.Zeros(labels.Count, 1);
        for (int i = 0; i < labels.Count; i++)
        {
            int index = Array.IndexOf((string[])Classes, labels[i]);
            if (index < 0) throw new ArgumentException($"classify: label '{labels[i]}' of text {i + 1} is not one of the trained classes ({string.Join(", ", Classes)}).");
            y[i, 0] = index;
        }
        return y;
    }

    /// <summary>The most likely class of each text and the probability of every class.</summary>
    public (string Label, double[] Probabilities)[] Predict(IReadOnlyList<string> texts)
    {
        Tensor<float> output = Model.Predict(Encode(texts));
        var results = new (string, double[])[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            double[] probabilities = Binary
                ? [1 - output[i, 0], output[i, 0]]
                : Enumerable.Range(0, Classes.Count).Select(c => (double)output[i, c]).ToArray();
            int best = Array.IndexOf(probabilities, probabilities.Max());
            results[i] = (Classes[best], probabilities);
        }
        return results;
    }

    /// <summary>Loss and accuracy on labelled texts.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(IReadOnlyList<string> texts, IReadOnlyList<string> labels)
    {
        if (texts.Count != labels.Count) throw new ArgumentException($"classify: {texts.Count} texts but {labels.Count} labels.");
        return Model.Evaluate(Encode(texts), EncodeLabels(labels));
    }

    /// <summary>Saves the model, the tokenizer and the classes in one model file.</summary>
    public void Save(string path) => ApplicationFile.Save(path, Model, Kind, new JsonObject
    {
        ["tokenizer"] = Tokenizer.ToJson(),
        ["classes"] = new JsonArray(Classes.Select(c => (JsonNode)c).ToArray()),
        ["max_length"] = MaxLength,
        ["padding"] = Padding == Padding.Pre ? "pre" : "post",
        ["truncating"] = Truncating == Truncating.Pre ? "pre" : "post",
    });

    /// <summary>Loads a classifier saved by <see cref="Save"/>.</summary>
    public static TextClassifier Load(string path)
    {
        var (model, state) = ApplicationFile.Load(path, Kind);
        try
        {
            return new TextClassifier(model, Tokenizer.FromJson(state["tokenizer"]!, path),
                state["classes"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray(), state["max_length"]!.GetValue<int>(),
                state["padding"]!.GetValue<string>() == "post" ? Padding.Post : Padding.Pre,
                state["truncating"]!.GetValue<string>() == "post" ? Truncating.Post : Truncating.Pre);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new IO.InvalidModelFileException($"{path}: the classifier state is malformed ({e.Message}).", e);
        }
    }
}
