using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Models;

/// <summary>The RNN material's training example: SimpleRNN(4) on three sequences of pairs → Dense(1).</summary>
public class MaterialExampleTests
{
    private static readonly Tensor<float> X = Tensor<float>.FromValues(
        [1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 9, 10, 10, 11, 11, 12], 3, 3, 2);
    private static readonly Tensor<float> Y = Tensor<float>.FromValues([10, 20, 30], 3, 1);

    private static Sequential<float> NewModel(int seed)
    {
        var model = new Sequential<float>([new SimpleRnn<float>(4), new Dense<float>(1)], inputShape: [3, 2], seed: seed);
        model.Compile(new Adam(0.01), Loss.MeanSquaredError);
        return model;
    }

    [Fact]
    public void Learns_the_targets_for_at_least_four_of_five_seeds()
    {
        int successes = 0;
        var report = new List<string>();
        for (int seed = 1; seed <= 5; seed++)
        {
            Sequential<float> model = NewModel(seed);
            History history = model.Fit(X, Y, epochs: 2000, batchSize: 32, verbose: 0);
            Tensor<float> prediction = model.Predict(X);
            double finalLoss = history["loss"][^1];
            bool close = Enumerable.Range(0, 3).All(i => Math.Abs(prediction.Span[i] - Y.Span[i]) <= 0.5);
            report.Add($"seed {seed}: loss {finalLoss:G4}, predictions {string.Join(", ", prediction.Data)}");
            if (finalLoss <= 0.05 && close) successes++;
        }
        Assert.True(successes >= 4, string.Join("\n", report));
    }

    [Fact]
    public void Summary_counts_28_plus_5_parameters()
    {
        var model = NewModel(1);
        model.Log = TextWriter.Null;
        string summary = model.Summary();
        Assert.Contains("(SimpleRNN)", summary);
        Assert.Matches(@"│ simple_rnn\S* \(SimpleRNN\)\s+│ \(None, 4\)\s+│\s+28 │", summary);
        Assert.Matches(@"│ dense\S* \(Dense\)\s+│ \(None, 1\)\s+│\s+5 │", summary);
        Assert.Contains(" Total params: 33 (132.00 B)\n", summary);
        Assert.Contains(" Trainable params: 33 (132.00 B)\n", summary);
        Assert.Contains(" Non-trainable params: 0 (0.00 B)\n", summary);
    }
}
