using System.Text.Json.Nodes;
using Recurrent.Data;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Applications;

/// <summary>How a text becomes training sequences for <see cref="TextGenerator"/>.</summary>
public sealed record TextGeneratorOptions
{
    /// <summary>Tokens are characters (true, as char-rnn) or words.</summary>
    public bool CharLevel { get; init; } = true;

    /// <summary>Tokens per training sequence (and the context the model sees when generating).</summary>
    public int SeqLength { get; init; } = 64;

    /// <summary>Length of the token vectors.</summary>
    public int EmbeddingDim { get; init; } = 32;
}

/// <summary>
/// Text generation (char-rnn style): the text is cut into sequences of <c>SeqLength</c> tokens, and the network
/// (Embedding → recurrent layers returning sequences → Dense softmax at every step) learns to predict each next token.
/// Generation feeds a prompt and samples one token at a time with a temperature (0 = greedy) and optional top-k.
/// </summary>
/// <example>
/// <code>
/// var generator = TextGenerator.Train(text, new TextGeneratorOptions { SeqLength = 64 }, new NetworkOptions { Units = 128 });
/// string sample = generator.Generate("ROMEO:", length: 200, temperature: 0.8, seed: 1);
/// </code>
/// </example>
public sealed class TextGenerator
{
    private const string Kind = "generate";

    private TextGenerator(Sequential<float> model, Tokenizer tokenizer, int seqLength)
    {
        Model = model;
        Tokenizer = tokenizer;
        SeqLength = seqLength;
    }

    /// <summary>The network.</summary>
    public Sequential<float> Model { get; }

    /// <summary>The tokenizer (character or word level).</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Tokens per training sequence and generation context.</summary>
    public int SeqLength { get; }

    /// <summary>The training history.</summary>
    public History? History { get; private set; }

    /// <summary>Fits the tokenizer on <paramref name="text"/> and trains; the last part of the sequences is the validation split.</summary>
    public static TextGenerator Train(string text, TextGeneratorOptions options, NetworkOptions network)
    {
        network.Validate();
        if (options.SeqLength < 1) throw new ArgumentException($"--seq-length must be positive, got {options.SeqLength}.");
        Tokenizer tokenizer = NewTokenizer(options.CharLevel);
        tokenizer.FitOnTexts([text]);
        var generator = new TextGenerator(BuildModel(tokenizer.VocabularySize, options, network), tokenizer, options.SeqLength);
        var (x, y) = generator.Sequences(text);
        generator.History = generator.Model.Fit(x, y, network.Epochs, network.BatchSize, network.ValidationSplit,
            shuffle: network.Shuffle, callbacks: network.TrainingCallbacks(network.ValidationSplit > 0), verbose: 0);
        return generator;
    }

    private static Tokenizer NewTokenizer(bool charLevel) => charLevel
        ? new Tokenizer(charLevel: true, lower: false, filters: "")
        : new Tokenizer(filters: "\t\n", lower: false, oovToken: "<unk>");

    private static Sequential<float> BuildModel(int vocabulary, TextGeneratorOptions options, NetworkOptions network)
    {
        var model = new Sequential<float>(
            [new Embedding<float>(vocabulary, options.EmbeddingDim), .. network.RecurrentStack(lastReturnsSequences: true),
             new Dense<float>(vocabulary, "softmax")],
            inputShape: [-1], seed: network.Seed, name: "generator");
        model.Compile(network.CreateOptimizer(), Loss.SparseCategoricalCrossentropy());
        return model;
    }

    private int[] Ids(string text) => Tokenizer.TextsToSequences([text])[0];

    /// <summary>
    /// Consecutive, non-overlapping training pairs: x = tokens [i, i + L), y = tokens [i + 1, i + L + 1): [n, L] each.
    /// </summary>
    /// <exception cref="ArgumentException">The text has fewer than L + 1 tokens.</exception>
    public (Tensor<float> X, Tensor<float> Y) Sequences(string text)
    {
        int[] ids = Ids(text);
        int count = (ids.Length - 1) / SeqLength;
        if (count == 0)
            throw new ArgumentException($"generate: the text has {ids.Length} tokens; at least {SeqLength + 1} are needed for sequences of {SeqLength}.");
        var x = Tensor<float>.Zeros(count, SeqLength);
        var y = Tensor<float>.Zeros(count, SeqLength);
        for (int i = 0; i < count; i++)
            for (int t = 0; t < SeqLength; t++)
            {
                x[i, t] = ids[i * SeqLength + t];
                y[i, t] = ids[i * SeqLength + t + 1];
            }
        return (x, y);
    }

    /// <summary>Mean cross-entropy per token (nats) and perplexity of the model on <paramref name="text"/>.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(string text)
    {
        var (x, y) = Sequences(text);
        double loss = Model.Evaluate(x, y)["loss"];
        return new Dictionary<string, double> { ["loss"] = loss, ["perplexity"] = Math.Exp(loss) };
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="length"/> tokens. Temperature 0 always takes the most
    /// likely token (deterministic); otherwise tokens are drawn from softmax(log p / temperature), limited to the
    /// <paramref name="topK"/> most likely when given, from a generator seeded with <paramref name="seed"/>.
    /// </summary>
    public string Generate(string prompt, int length, double temperature = 1.0, int? topK = null, int seed = 1)
    {
        if (length < 0) throw new ArgumentException($"--length must not be negative, got {length}.");
        if (temperature < 0 || double.IsNaN(temperature)) throw new ArgumentException($"--temperature must not be negative, got {temperature}.");
        if (topK is <= 0) throw new ArgumentException($"--top-k must be positive, got {topK}.");
        var context = new List<int>(Ids(prompt));
        if (context.Count == 0) context.Add(1);
        var random = new Random(seed);
        var generated = new List<int>();
        for (int n = 0; n < length; n++)
        {
            int start = Math.Max(0, context.Count - SeqLength);
            var input = Tensor<float>.Zeros(1, context.Count - start);
            for (int t = start; t < context.Count; t++) input[0, t - start] = context[t];
            Tensor<float> output = Model.Predict(input);
            int vocabulary = output.Dim(2), last = output.Dim(1) - 1;
            var probabilities = new double[vocabulary];
            for (int v = 0; v < vocabulary; v++) probabilities[v] = output[0, last, v];
            int next = Sample(probabilities, temperature, topK, random);
            context.Add(next);
            generated.Add(next);
        }
        string separator = Tokenizer.CharLevel ? "" : " ";
        string continuation = string.Join(separator, generated.Select(id => Tokenizer.IndexWord.TryGetValue(id, out string? token) ? token : ""));
        return Tokenizer.CharLevel || prompt.Length == 0 ? prompt + continuation : prompt + " " + continuation;
    }

    // Id 0 is padding and never generated.
    private static int Sample(double[] probabilities, double temperature, int? topK, Random random)
    {
        probabilities[0] = 0;
        if (temperature == 0) return Array.IndexOf(probabilities, probabilities.Max());
        var logits = probabilities.Select(p => p > 0 ? Math.Log(p) / temperature : double.NegativeInfinity).ToArray();
        if (topK is int k && k < logits.Length)
        {
            double threshold = logits.OrderDescending().ElementAt(k - 1);
            for (int i = 0; i < logits.Length; i++) if (logits[i] < threshold) logits[i] = double.NegativeInfinity;
        }
        double max = logits.Max(), total = 0;
        var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
        foreach (double w in weights) total += w;
        double pick = random.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            pick -= weights[i];
            if (pick <= 0 && weights[i] > 0) return i;
        }
        return Array.IndexOf(weights, weights.Max());
    }

    /// <summary>Saves the model and the tokenizer in one model file.</summary>
    public void Save(string path) => ApplicationFile.Save(path, Model, Kind, new JsonObject
    {
        ["tokenizer"] = Tokenizer.ToJson(),
        ["seq_length"] = SeqLength,
    });

    /// <summary>Loads a generator saved by <see cref="Save"/>.</summary>
    public static TextGenerator Load(string path)
    {
        var (model, state) = ApplicationFile.Load(path, Kind);
        try
        {
            return new TextGenerator(model, Tokenizer.FromJson(state["tokenizer"]!, path), state["seq_length"]!.GetValue<int>());
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new IO.InvalidModelFileException($"{path}: the generator state is malformed ({e.Message}).", e);
        }
    }
}
