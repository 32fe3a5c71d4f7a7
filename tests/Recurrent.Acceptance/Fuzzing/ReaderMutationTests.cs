using Recurrent.Applications;
using Recurrent.Data;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;
using Recurrent.Tensors;
using Recurrent.Fuzz;
using Xunit.Abstractions;

namespace Recurrent.Acceptance.Fuzzing;

/// <summary>
/// Issue 9, acceptance 1: every reader gets 10,000 damaged variants of real files per CI run (set
/// RECURRENT_FUZZ_INPUTS for the longer run, e.g. 1000000) and handles each one: read, or refused with an
/// exception of the documented type naming the file; no other exception, no hang over 5 s, no allocation over 256 MB.
/// </summary>
public class ReaderMutationTests(ITestOutputHelper log) : IDisposable
{
    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("RECURRENT_FUZZ_INPUTS"), out int n) ? n : 10_000;

    // Another sequence of damage than CI's (RECURRENT_FUZZ_SEED), for runs that look further.
    private static readonly int? Seed = int.TryParse(Environment.GetEnvironmentVariable("RECURRENT_FUZZ_SEED"), out int s) ? s : null;

    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Fuzz(string reader, IReadOnlyList<byte[]> seeds)
    {
        FuzzReport report = new MutationFuzzer(ReaderTargets.Named(reader)).Run(seeds, Inputs, seed: Seed ?? reader.Length * 7919, _folder);
        log.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());
        Assert.True(report.Failures.Count == 0, report + "\n" + string.Join("\n\n", report.Failures));
    }

    private byte[] Saved(Action<string> save)
    {
        string path = Path.Combine(_folder, "seed-" + Guid.NewGuid().ToString("N"));
        save(path);
        return File.ReadAllBytes(path);
    }

    private static Sequential<float> Tagger() => new([new Embedding<float>(12, 4, maskZero: true), new Bidirectional<float>(new Gru<float>(3, returnSequences: true)),
        new TimeDistributed<float>(new Dense<float>(2, "softmax"))], [5], seed: 2);

    [Fact]
    public void Model_files()
    {
        Sequential<float> compiled = new([new Lstm<float>(4), new Dropout<float>(0.2), new Dense<float>(1)], [6, 2], seed: 1);
        compiled.Compile("adam", "mse", "mae");
        var seeds = new[]
        {
            Saved(path => ModelFile.Save(path, compiled, new Tokenizer(oovToken: "<unk>").ToJson())),
            Saved(path => ModelFile.Save(path, Tagger())),
        };
        Fuzz("model-file", seeds);
    }

    [Fact]
    public void Application_files_with_tokenizer_state()
    {
        string[] texts = ["good film", "bad film", "a good story", "a bad plot", "good good", "bad bad"];
        string[] labels = ["pos", "neg", "pos", "neg", "pos", "neg"];
        TextClassifier classifier = TextClassifier.Train(texts, labels, new TextClassifierOptions(), new NetworkOptions { Units = 3, Epochs = 1, Seed = 4 });
        var seeds = new[] { Saved(classifier.Save) };
        Fuzz("classifier", seeds);
    }

    [Fact]
    public void Safetensors_files()
    {
        var seeds = new[]
        {
            Saved(path => SafeTensors.Write(path, [("a", Tensor<float>.FromValues([1, 2, 3, 4, 5, 6], 2, 3)), ("b", Tensor<float>.FromValues([7], 1))],
                new Dictionary<string, string> { ["note"] = "seed" })),
            Saved(path => SafeTensors.Write(path, Tagger().Parameters.Select((p, i) => ($"{i}/{p.Name}", p.Value)).ToArray())),
        };
        Fuzz("safetensors", seeds);
    }

    [Fact]
    public void Csv_and_tsv_files()
    {
        var seeds = new[] { File.ReadAllBytes(SharedData.PathOf("airline-passengers.csv")), File.ReadAllBytes(SharedData.PathOf("translation/eng-spa.tsv"))[..4000] };
        Fuzz("csv", seeds);
    }

    [Fact]
    public void Text_corpora()
    {
        var seeds = new[] { File.ReadAllBytes(SharedData.PathOf("tinyshakespeare.txt"))[..6000], File.ReadAllBytes(SharedData.PathOf("translation/eng-spa.tsv"))[..3000] };
        Fuzz("corpus", seeds);
    }

    [Fact]
    public void Translation_pairs() => Fuzz("translation-pairs", [File.ReadAllBytes(SharedData.PathOf("translation/eng-spa.tsv"))[..5000]]);

    private static byte[][] Fixtures(string folder, string pattern) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "InteropFixtures", folder), pattern).Order().Select(File.ReadAllBytes).ToArray();

    [Fact]
    public void Keras_h5_files() =>
        // The fixtures are a Lambda model and weights-only files (refused as they are), so a real Keras 3 model that loads is a seed too.
        Fuzz("keras-h5", [.. Fixtures("keras", "*.h5"), File.ReadAllBytes(SharedData.PathOf("keras/models/k310_stock_lstm2.h5"))]);

    [Fact]
    public void Keras_archives() => Fuzz("keras-archive", Fixtures("keras", "*.keras"));

    [Fact]
    public void Onnx_files() => Fuzz("onnx", Fixtures("onnx", "*.onnx"));
}
