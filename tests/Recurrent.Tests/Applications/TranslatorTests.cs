using Recurrent.Applications;
using Recurrent.Data;

namespace Recurrent.Tests.Applications;

/// <summary>The translator: the toy sentences, greedy against beam search, files, unknown words and the decoder step.</summary>
public sealed class TranslatorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-translator-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // The classic material's three sentences.
    private static readonly TranslationPair[] Toy =
    [
        new("I am a student", "Yo soy un estudiante", 1),
        new("He is a teacher", "El es un profesor", 2),
        new("She is a doctor", "Ella es un doctor", 3),
    ];

    private static Translator TrainToy(string attention, int epochs = 150, string cell = "lstm") =>
        Translator.Train(Toy, new TranslatorOptions { Attention = attention, EmbeddingDim = 16, LabelSmoothing = 0 },
            new NetworkOptions { Cell = NetworkOptions.ParseCell(cell), Units = 32, Epochs = epochs, BatchSize = 3, LearningRate = 0.01, Seed = 7 });

    [Theory]
    [InlineData("luong", "lstm")]
    [InlineData("bahdanau", "gru")]
    [InlineData("none", "lstm")]
    public void Every_toy_sentence_translates_exactly_by_greedy_and_beam_search(string attention, string cell)
    {
        Translator translator = TrainToy(attention, cell: cell);
        string[] sources = Toy.Select(p => p.Source).ToArray();
        foreach (int beam in new[] { 1, 3 })
        {
            IReadOnlyList<Translation> translations = translator.Translate(sources, beam: beam);
            for (int i = 0; i < Toy.Length; i++)
                Assert.Equal(Sentences.Words(Toy[i].Target), translations[i].Words);
        }
    }

    [Theory]
    [InlineData("luong")]
    [InlineData("none")]
    public void Beam_search_of_width_one_equals_greedy_search(string attention)
    {
        Translator translator = TrainToy(attention, epochs: 3);   // barely trained: long, varied outputs
        string[] sources = ["I am a doctor", "She is a student", "He is", "a a a a a a", "unknown words here"];
        IReadOnlyList<Translation> greedy = translator.Translate(sources, beam: 1), beam = translator.TranslateByBeamSearch(sources, 1);
        for (int i = 0; i < sources.Length; i++)
        {
            Assert.Equal(greedy[i].Words, beam[i].Words);
            Assert.Equal(greedy[i].Score, beam[i].Score, 1e-9);
            if (attention == "none") continue;
            Assert.Equal(greedy[i].Attention!.Cast<float>(), beam[i].Attention!.Cast<float>());
        }
    }

    [Fact]
    public void A_saved_translator_translates_identically_after_loading()
    {
        Translator translator = TrainToy("luong", epochs: 20);
        string path = Path.Combine(_folder, "toy.rnn");
        translator.Save(path);
        Translator loaded = Translator.Load(path);
        string[] sources = Toy.Select(p => p.Source).ToArray();

        IReadOnlyList<Translation> before = translator.Translate(sources, beam: 2), after = loaded.Translate(sources, beam: 2);
        Assert.Equal(before.Select(t => t.Text), after.Select(t => t.Text));
        Assert.Equal(before.Select(t => t.Score), after.Select(t => t.Score));
        // The loss keeps its label smoothing (0.1 by default) through the file.
        Translator smoothed = Translator.Train(Toy, new TranslatorOptions { EmbeddingDim = 8 }, new NetworkOptions { Units = 8, Epochs = 2, BatchSize = 3, Seed = 2 });
        smoothed.Save(path);
        Assert.Equal(smoothed.Evaluate(Toy).Loss, Translator.Load(path).Evaluate(Toy).Loss);
        Assert.Equal(0.1, Translator.Load(path).LabelSmoothing);
    }

    [Fact]
    public void Unknown_words_map_to_the_oov_token_and_attention_has_a_row_per_output_token()
    {
        Translator translator = TrainToy("luong", epochs: 20);
        Translation translation = translator.Translate(["I am a pilot"])[0];

        Assert.Equal(["i", "am", "a", "<unk>"], translation.SourceWords);
        Assert.Equal(4, translation.Attention!.GetLength(1));
        Assert.InRange(translation.Attention.GetLength(0), translation.Words.Count, translation.Words.Count + 1);
        for (int r = 0; r < translation.Attention.GetLength(0); r++)
            Assert.Equal(1.0, Enumerable.Range(0, 4).Sum(c => translation.Attention[r, c]), 1e-5);
    }

    [Theory]
    [InlineData("luong")]
    [InlineData("bahdanau")]
    [InlineData("none")]
    public void A_decoder_step_allocates_nothing(string attention)
    {
        Translator translator = TrainToy(attention, epochs: 1);
        var (x, _) = translator.Encode(Toy);
        TranslationDecoder decoder = translator.Decoder;
        TranslationDecoder.Rows rows = decoder.Start(x[0], beams: 4);
        decoder.Step(rows);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 10; step++) decoder.Step(rows);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("luong", "lstm")]
    [InlineData("bahdanau", "gru")]
    [InlineData("none", "lstm")]
    public void A_training_step_of_the_encoder_decoder_allocates_nothing_after_warm_up(string attention, string cell)
    {
        Translator translator = Translator.Train(Toy, new TranslatorOptions { Attention = attention, EmbeddingDim = 16, LabelSmoothing = 0.1 },
            new NetworkOptions { Cell = NetworkOptions.ParseCell(cell), Units = 32, Epochs = 1, BatchSize = 3, Seed = 7 });
        var (x, y) = translator.Encode(Toy);
        for (int i = 0; i < 3; i++) translator.Model.TrainOnBatch(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) translator.Model.TrainOnBatch(x, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_model_of_another_application_is_refused_by_name()
    {
        var classifier = TextClassifier.Train(["good", "bad"], ["pos", "neg"], new TextClassifierOptions(), new NetworkOptions { Units = 2, Epochs = 1 });
        string path = Path.Combine(_folder, "classifier.rnn");
        classifier.Save(path);
        var error = Assert.Throws<Recurrent.IO.InvalidModelFileException>(() => Translator.Load(path));
        Assert.Contains("this is a 'classify' model, but this command needs a 'translate' model", error.Message);
    }
}
