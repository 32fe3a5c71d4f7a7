using System.Text.Json.Nodes;
using Recurrent.Data;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Metrics;
using Recurrent.Models;
using Recurrent.Tensors;

namespace Recurrent.Applications;

/// <summary>How sentences become model input for <see cref="Translator"/>, and the attention to use.</summary>
public sealed record TranslatorOptions
{
    /// <summary>"luong" (general score), "bahdanau" (additive) or "none" (the encoder's final states only).</summary>
    public string Attention { get; init; } = "luong";

    /// <summary>Length of the word vectors of both languages.</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>Keep only the most frequent words of each language; the others become &lt;unk&gt;. Null keeps all.</summary>
    public int? VocabSize { get; init; }

    /// <summary>Label smoothing ε of the per-step cross-entropy (the target is (1 − ε)·one-hot + ε/vocabulary).</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        if (Attention is not ("luong" or "bahdanau" or "none")) throw new ArgumentException($"--attention must be luong, bahdanau or none, got '{Attention}'.");
        if (EmbeddingDim <= 0) throw new ArgumentException($"--embedding-dim must be positive, got {EmbeddingDim}.");
        if (VocabSize is < 1) throw new ArgumentException($"--vocab-size must be positive, got {VocabSize}.");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentException($"--label-smoothing must be in [0, 1), got {LabelSmoothing}.");
    }
}

/// <summary>What <see cref="Translator.Evaluate"/> measures on held-out pairs.</summary>
/// <param name="Bleu">Corpus BLEU-4 of the translations against every reference given for each source.</param>
/// <param name="TokenAccuracy">Teacher-forced accuracy of the next token over the real (unpadded) target tokens.</param>
/// <param name="Loss">Teacher-forced cross-entropy per real target token (with the model's label smoothing).</param>
/// <param name="Translations">The translation of each pair's source.</param>
public sealed record TranslationScores(BleuScore Bleu, double TokenAccuracy, double Loss, IReadOnlyList<Translation> Translations);

/// <summary>
/// Sequence-to-sequence translation, word level: source ids → Embedding(mask_zero) → encoder (LSTM / GRU /
/// SimpleRNN) whose final states start the decoder over the teacher-forced target (&lt;start&gt; and the target's
/// words) → with attention, each decoder output attends the encoder's outputs and [context; output] passes a tanh
/// layer (Luong's attentional state) → softmax over the target words. Trained with per-step cross-entropy that skips
/// padding, with label smoothing; translates by greedy or beam search.
/// </summary>
/// <example>
/// <code>
/// var pairs = TranslationPairs.Read("eng-spa.tsv", maxTokens: 20);
/// var translator = Translator.Train(pairs, new TranslatorOptions { Attention = "luong" }, new NetworkOptions { Units = 128, Epochs = 30 });
/// Translation result = translator.Translate(["I am a student."], beam: 4)[0];   // result.Text: "yo soy un estudiante."
/// </code>
/// </example>
public sealed class Translator
{
    private const string Kind = "translate";
    private readonly TranslationDecoder _decoder;

    /// <summary>The incremental decoder over this model's layers.</summary>
    internal TranslationDecoder Decoder => _decoder;

    private Translator(Functional<float> model, Vocabulary source, Vocabulary target, string attention, int maxOutputLength, double labelSmoothing)
    {
        (Model, SourceVocabulary, TargetVocabulary, Attention, MaxOutputLength, LabelSmoothing) = (model, source, target, attention, maxOutputLength, labelSmoothing);
        Layer<float> Find(string name) => model.Layers.FirstOrDefault(l => l.Name == name)
            ?? throw new InvalidModelFileException($"{model.Name}: the translation model has no layer '{name}'.");
        _decoder = new TranslationDecoder((Embedding<float>)Find("source_embedding"), (RecurrentLayer<float>)Find("encoder"),
            (Embedding<float>)Find("target_embedding"), (RecurrentLayer<float>)Find("decoder"),
            attention == "none" ? null : (AttentionLayer<float>)Find("attention"), attention == "none" ? null : (Dense<float>)Find("attentional"),
            (Dense<float>)Find("next_token"));
    }

    /// <summary>The network: inputs source ids and decoder input ids; outputs next-token probabilities (and attention weights).</summary>
    public Functional<float> Model { get; }

    /// <summary>The source language's words.</summary>
    public Vocabulary SourceVocabulary { get; }

    /// <summary>The target language's words.</summary>
    public Vocabulary TargetVocabulary { get; }

    /// <summary>"luong", "bahdanau" or "none".</summary>
    public string Attention { get; }

    /// <summary>Most tokens a translation gets by default (the longest training target plus 5).</summary>
    public int MaxOutputLength { get; }

    /// <summary>Label smoothing of the training loss, which <see cref="Evaluate"/> also reports.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The training history of <see cref="Train"/>.</summary>
    public History? History { get; private set; }

    /// <summary>Builds the vocabularies and the network and trains it on <paramref name="pairs"/>.</summary>
    /// <exception cref="ArgumentException">No pairs, or an option out of range (named).</exception>
    public static Translator Train(IReadOnlyList<TranslationPair> pairs, TranslatorOptions options, NetworkOptions network,
        IReadOnlyList<TranslationPair>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("translate: there are no training pairs.");
        options.Validate();
        network.Validate();
        if (network.Layers != 1 || network.Bidirectional)
            throw new ArgumentException("translate: the encoder and decoder are one recurrent layer each; --layers 1 without --bidirectional.");
        var source = Vocabulary.Build(pairs.Select(p => Sentences.Words(p.Source)), options.VocabSize);
        var target = Vocabulary.Build(pairs.Select(p => Sentences.Words(p.Target)), options.VocabSize);
        int maxOutput = pairs.Max(p => Sentences.Words(p.Target).Length) + 5;
        Functional<float> model = Build(source.Count, target.Count, options, network);
        model.Compile(network.CreateOptimizer(), Loss.SparseCategoricalCrossentropy(labelSmoothing: options.LabelSmoothing), "accuracy");

        var translator = new Translator(model, source, target, options.Attention, maxOutput, options.LabelSmoothing);
        var (x, y) = translator.Encode(pairs);
        (IReadOnlyList<Tensor<float>>, Tensor<float>)? validationData = validation is null ? null : translator.Encode(validation);
        translator.History = model.Fit(x, y, network.Epochs, network.BatchSize, network.ValidationSplit, validationData,
            shuffle: network.Shuffle, callbacks: network.TrainingCallbacks(network.ValidationSplit > 0 || validation is not null), verbose: 0);
        return translator;
    }

    // The graph: names matter, the decoder finds its layers by them after a load.
    private static Functional<float> Build(int sourceWords, int targetWords, TranslatorOptions options, NetworkOptions network)
    {
        var source = new Input<float>([-1], "source");
        var target = new Input<float>([-1], "target");
        bool attends = options.Attention != "none";
        RecurrentLayer<float> Recurrent(string name, bool sequences, bool state) => network.Cell switch
        {
            CellKind.Gru => new Gru<float>(network.Units, returnSequences: sequences, returnState: state, name: name),
            CellKind.Simple => new SimpleRnn<float>(network.Units, returnSequences: sequences, returnState: state, name: name),
            _ => new Lstm<float>(network.Units, returnSequences: sequences, returnState: state, name: name),
        };
        GraphTensor<float> Embedded(Input<float> ids, int words, string name)
        {
            GraphTensor<float> vectors = new Embedding<float>(words, options.EmbeddingDim, maskZero: true, name: name).Call(ids);
            return network.Dropout > 0 ? new Dropout<float>(network.Dropout, name: name + "_dropout").Call(vectors) : vectors;
        }
        var (encoded, states) = Recurrent("encoder", attends, true).Call(Embedded(source, sourceWords, "source_embedding"));
        GraphTensor<float> decoded = Recurrent("decoder", true, false).Call(Embedded(target, targetWords, "target_embedding"), initialState: states);
        var outputs = new List<GraphTensor<float>>();
        if (attends)
        {
            AttentionLayer<float> attention = options.Attention == "bahdanau"
                ? new BahdanauAttention<float>(network.Units, name: "attention") : new LuongAttention<float>("general", name: "attention");
            var (context, weights) = attention.Call(decoded, encoded);
            decoded = new Dense<float>(network.Units, "tanh", name: "attentional").Call(new Concatenate<float>(name: "context_and_output").Call([context, decoded]));
            outputs.Add(weights);
        }
        outputs.Insert(0, new Dense<float>(targetWords, "softmax", name: "next_token").Call(decoded));
        return new Functional<float>([source, target], outputs, name: "translator", seed: network.Seed);
    }

    /// <summary>
    /// The training tensors of <paramref name="pairs"/>: source ids [n, Ts] and decoder inputs [n, Tt + 1]
    /// (&lt;start&gt; then the target), and the targets [n, Tt + 1] (the target then &lt;end&gt;), padded with zeros at the end.
    /// </summary>
    public (IReadOnlyList<Tensor<float>> X, Tensor<float> Y) Encode(IReadOnlyList<TranslationPair> pairs)
    {
        int[][] sources = pairs.Select(p => SourceVocabulary.Encode(p.Source)).ToArray();
        int[][] targets = pairs.Select(p => TargetVocabulary.Encode(p.Target)).ToArray();
        int targetSteps = targets.Max(t => t.Length) + 1;
        Tensor<float> decoderInput = Sequences.Pad<float>(targets.Select(t => (int[])[Vocabulary.Start, .. t]).ToArray(), targetSteps, Padding.Post, Truncating.Post);
        Tensor<float> decoderTarget = Sequences.Pad<float>(targets.Select(t => (int[])[.. t, Vocabulary.End]).ToArray(), targetSteps, Padding.Post, Truncating.Post);
        return ([SourceIds(sources), decoderInput], decoderTarget);
    }

    private static Tensor<float> SourceIds(int[][] sources) =>
        Sequences.Pad<float>(sources, Math.Max(1, sources.Max(s => s.Length)), Padding.Post, Truncating.Post);

    /// <summary>
    /// Translates <paramref name="sources"/>: greedy search with <paramref name="beam"/> 1, else beam search with that
    /// many hypotheses and length penalty α (score / length^α). At most <paramref name="maxLength"/> tokens
    /// (default <see cref="MaxOutputLength"/>). Unknown words read as &lt;unk&gt;.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">beam or maxLength below 1, or a negative or non-finite length penalty.</exception>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<string> sources, int beam = 1, double lengthPenalty = 1.0, int? maxLength = null, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (beam < 1) throw new ArgumentOutOfRangeException(nameof(beam), beam, "--beam must be at least 1.");
        if (maxLength is < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "--max-length must be at least 1.");
        if (!double.IsFinite(lengthPenalty) || lengthPenalty < 0)
            throw new ArgumentOutOfRangeException(nameof(lengthPenalty), lengthPenalty, "--length-penalty must be a finite number, 0 or more.");
        return Decode(sources, beam, lengthPenalty, maxLength ?? MaxOutputLength, batchSize, greedy: beam == 1);
    }

    /// <summary>Beam search even for one hypothesis, to compare it with greedy search.</summary>
    internal IReadOnlyList<Translation> TranslateByBeamSearch(IReadOnlyList<string> sources, int beam) =>
        Decode(sources, beam, 1.0, MaxOutputLength, 64, greedy: false);

    private List<Translation> Decode(IReadOnlyList<string> sources, int beam, double lengthPenalty, int limit, int batchSize, bool greedy)
    {
        var results = new List<Translation>(sources.Count);
        for (int start = 0; start < sources.Count; start += batchSize)
        {
            int[][] ids = sources.Skip(start).Take(batchSize).Select(SourceVocabulary.Encode).ToArray();
            TranslationDecoder.Rows rows = _decoder.Start(SourceIds(ids), beam);
            BeamSearch.Hypothesis[] found = greedy ? BeamSearch.Greedy(_decoder, rows, limit) : BeamSearch.Search(_decoder, rows, beam, limit, lengthPenalty);
            int sourceSteps = rows.Memory?.Value.Dim(1) ?? 0;
            for (int i = 0; i < ids.Length; i++)
            {
                BeamSearch.Hypothesis best = found[i];
                string[] words = TargetVocabulary.Decode(best.Tokens);
                float[,]? attention = null;
                if (best.Attention is float[] flat)
                {
                    attention = new float[flat.Length / sourceSteps, ids[i].Length];
                    for (int r = 0; r < attention.GetLength(0); r++)
                        for (int c = 0; c < ids[i].Length; c++) attention[r, c] = flat[r * sourceSteps + c];
                }
                results.Add(new Translation(Sentences.Join(words), words, best.Score, ids[i].Select(id => SourceVocabulary[id]).ToArray(), attention));
            }
        }
        return results;
    }

    /// <summary>
    /// BLEU-4 of the translations of <paramref name="pairs"/> (references: every target the pairs give for the same
    /// source), and the teacher-forced token accuracy and loss.
    /// </summary>
    public TranslationScores Evaluate(IReadOnlyList<TranslationPair> pairs, int beam = 1, double lengthPenalty = 1.0, IReadOnlyList<TranslationPair>? references = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("translate: there are no pairs to evaluate.");
        var (x, y) = Encode(pairs);
        IReadOnlyDictionary<string, double> teacherForced = Model.Evaluate(x, y, batchSize: 64);
        IReadOnlyList<Translation> translations = Translate(pairs.Select(p => p.Source).ToArray(), beam, lengthPenalty);
        ILookup<string, string[]> known = (references ?? pairs).ToLookup(p => p.Source, p => Sentences.Words(p.Target));
        var referenceLists = pairs.Select(p => (IReadOnlyList<IReadOnlyList<string>>)known[p.Source].Distinct(WordsComparer.Instance).ToArray()).ToArray();
        BleuScore bleu = Bleu.Corpus(translations.Select(t => t.Words).ToArray(), referenceLists);
        return new TranslationScores(bleu, teacherForced["accuracy"], teacherForced["loss"], translations);
    }

    private sealed class WordsComparer : IEqualityComparer<string[]>
    {
        public static readonly WordsComparer Instance = new();
        public bool Equals(string[]? a, string[]? b) => a is not null && b is not null && a.SequenceEqual(b);
        public int GetHashCode(string[] words) => words.Aggregate(17, (hash, w) => hash * 31 + w.GetHashCode(StringComparison.Ordinal));
    }

    /// <summary>Saves the model, both vocabularies and the settings in one model file (atomically).</summary>
    public void Save(string path) => ApplicationFile.Save(path, Model, Kind, new JsonObject
    {
        ["source_vocabulary"] = SourceVocabulary.ToJson(),
        ["target_vocabulary"] = TargetVocabulary.ToJson(),
        ["attention"] = Attention,
        ["max_output_length"] = MaxOutputLength,
        ["label_smoothing"] = LabelSmoothing,
    });

    /// <summary>Loads a translator saved by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidModelFileException">Not a translation model file, or its state is malformed.</exception>
    public static Translator Load(string path)
    {
        var (model, state) = ApplicationFile.LoadGraph(path, Kind);
        try
        {
            string attention = state["attention"]!.GetValue<string>();
            if (attention is not ("luong" or "bahdanau" or "none")) throw new FormatException($"unknown attention '{attention}'");
            double labelSmoothing = state["label_smoothing"]?.GetValue<double>() ?? 0;
            if (labelSmoothing is < 0 or >= 1) throw new FormatException($"label smoothing {labelSmoothing} is outside [0, 1)");
            // The file keeps the loss by name only; the smoothing comes back so that evaluate reports the training loss.
            model.Compile(model.CompiledOptimizer ?? new Optimizers.Adam(), Loss.SparseCategoricalCrossentropy(labelSmoothing: labelSmoothing), "accuracy");
            return new Translator(model, Vocabulary.FromJson(state["source_vocabulary"], path), Vocabulary.FromJson(state["target_vocabulary"], path),
                attention, state["max_output_length"]!.GetValue<int>(), labelSmoothing);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or InvalidCastException)
        {
            throw new InvalidModelFileException($"{path}: the translator state is malformed ({e.Message}).", e);
        }
    }
}
