using Recurrent.Callbacks;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Acceptance;

/// <summary>The from-scratch sentiment example (../shared/data/sentiment): 100 % test accuracy within 1000 epochs.</summary>
public class SentimentTests
{
    private static (string[] Words, int Label)[] Read(string file) =>
        File.ReadAllLines(SharedData.PathOf(Path.Combine("sentiment", file))).Skip(1)
            .Select(line => line.Split('\t'))
            .Select(fields => (fields[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), int.Parse(fields[1])))
            .ToArray();

    // Ids from 1 (0 is padding), pre-padded to the longest sentence, as Keras' pad_sequences does by default.
    private static (Tensor<float> X, Tensor<float> Y) Encode((string[] Words, int Label)[] data, Dictionary<string, int> vocabulary, int length)
    {
        var x = Tensor<float>.Zeros(data.Length, length);
        var y = Tensor<float>.Zeros(data.Length, 1);
        for (int i = 0; i < data.Length; i++)
        {
            string[] words = data[i].Words;
            for (int j = 0; j < words.Length; j++) x[i, length - words.Length + j] = vocabulary[words[j]];
            y[i, 0] = data[i].Label;
        }
        return (x, y);
    }

    private sealed class StopAtPerfectValidation : Callback
    {
        public int? Epoch { get; private set; }

        public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (logs["val_accuracy"] < 1.0) return;
            Epoch = epoch + 1;
            context.StopTraining = true;
        }
    }

    [Fact]
    public void Reaches_full_test_accuracy_within_1000_epochs()
    {
        var train = Read("train.tsv");
        var test = Read("test.tsv");
        var vocabulary = train.SelectMany(s => s.Words).Distinct().Order(StringComparer.Ordinal)
            .Select((word, index) => (word, index)).ToDictionary(p => p.word, p => p.index + 1);
        Assert.Equal(18, vocabulary.Count);
        int length = train.Concat(test).Max(s => s.Words.Length);
        var (x, y) = Encode(train, vocabulary, length);
        var (testX, testY) = Encode(test, vocabulary, length);

        var model = new Sequential<float>(
            [new Embedding<float>(vocabulary.Count + 1, 16, maskZero: true), new SimpleRnn<float>(32), new Dense<float>(1, "sigmoid")],
            inputShape: [length], seed: 7);
        model.Compile(new Adam(0.005), Loss.BinaryCrossentropy(), "accuracy");
        var stop = new StopAtPerfectValidation();
        model.Fit(x, y, epochs: 1000, batchSize: 16, validationData: (testX, testY), callbacks: [stop], verbose: 0);

        Assert.True(stop.Epoch is not null, "test accuracy never reached 100 % in 1000 epochs");
        Assert.Equal(1.0, model.Evaluate(testX, testY)["accuracy"]);
        Console.WriteLine($"sentiment: 100 % test accuracy after {stop.Epoch} epochs");
    }
}
