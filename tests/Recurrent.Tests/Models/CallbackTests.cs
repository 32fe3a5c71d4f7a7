using Recurrent.Callbacks;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Models;

public sealed class CallbackTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-callbacks-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (Tensor<float> X, Tensor<float> Y) Data()
    {
        var random = new Random(1);
        var x = Tensor<float>.Zeros(20, 4, 2);
        var y = Tensor<float>.Zeros(20, 1);
        for (int i = 0; i < x.Length; i++) x.Span[i] = (float)random.NextDouble();
        for (int i = 0; i < 20; i++) y.Span[i] = x.Span[i * 8] + x.Span[i * 8 + 7];
        return (x, y);
    }

    private static Sequential<float> Model(double learningRate = 0.01)
    {
        var model = new Sequential<float>([new Gru<float>(6), new Dense<float>(1)], inputShape: [4, 2], seed: 2);
        model.Compile(new Adam(learningRate), Loss.MeanSquaredError, "mae");
        return model;
    }

    [Fact]
    public void ModelCheckpoint_saves_only_improvements_and_the_file_loads()
    {
        var (x, y) = Data();
        var checkpoint = new ModelCheckpoint(Path.Combine(_folder, "best-{epoch}.rnn"), monitor: "val_loss", saveBestOnly: true);
        History history = Model().Fit(x, y, epochs: 15, validationSplit: 0.25, callbacks: [checkpoint], verbose: 0);

        IReadOnlyList<double> validation = history["val_loss"];
        int improvements = validation.Select((v, i) => validation.Take(i).All(p => v < p)).Count(b => b);
        Assert.Equal(improvements, checkpoint.Saved.Count);
        Assert.All(checkpoint.Saved, path => Assert.True(File.Exists(path)));
        // The last file holds the best epoch: evaluated on the validation part (the last quarter) it gives the best val_loss.
        var loaded = ModelFile.Load<float>(checkpoint.Saved[^1]);
        var validationX = Tensor<float>.FromValues(x.Span[(15 * 8)..], 5, 4, 2);
        var validationY = Tensor<float>.FromValues(y.Span[15..], 5, 1);
        Assert.Equal(validation.Min(), loaded.Model.Evaluate(validationX, validationY)["loss"], 6);
    }

    [Fact]
    public void CsvLogger_writes_epoch_then_sorted_keys()
    {
        var (x, y) = Data();
        string path = Path.Combine(_folder, "log.csv");
        Model().Fit(x, y, epochs: 3, validationSplit: 0.25, callbacks: [new CsvLogger(path)], verbose: 0);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("epoch,loss,mae,val_loss,val_mae", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("2,", lines[3]);
    }

    [Fact]
    public void ReduceLROnPlateau_cuts_the_rate_after_patience_epochs_without_improvement()
    {
        var (x, y) = Data();
        Sequential<float> model = Model(learningRate: 1e-12);   // so small that the loss cannot improve by 1e-4
        var reduce = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 2);
        History history = model.Fit(x, y, epochs: 6, callbacks: [reduce], verbose: 0);
        double[] expected = [1e-12, 1e-12, 1e-12, 5e-13, 5e-13, 2.5e-13];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], history["learning_rate"][i], expected[i] * 1e-9);
    }

    [Fact]
    public void TerminateOnNaN_stops_instead_of_throwing()
    {
        var model = new Sequential<float>([new Dense<float>(1)], inputShape: [1], seed: 1);
        model.Compile(new Sgd(1e30), Loss.MeanSquaredError);
        var x = Tensor<float>.FromValues([1e10f, 2e10f, 3e10f], 3, 1);
        var terminate = new TerminateOnNaN();
        History history = model.Fit(x, x, epochs: 10, batchSize: 1, shuffle: false, callbacks: [terminate], verbose: 0);
        Assert.NotNull(terminate.TerminatedAtBatch);
        Assert.True(history.Epochs.Count < 10);
    }

    [Fact]
    public void Class_weights_scale_each_sample_loss()
    {
        var model = new Sequential<float>([new Dense<float>(1, "sigmoid")], inputShape: [2], seed: 4);
        model.Compile(new Sgd(0), Loss.BinaryCrossentropy());
        var x = Tensor<float>.FromValues([1, 2, -1, 0.5f], 2, 2);
        var y = Tensor<float>.FromValues([1, 0], 2, 1);
        double plain = model.Fit(x, y, verbose: 0)["loss"][0];
        double weighted = model.Fit(x, y, verbose: 0, classWeight: new Dictionary<int, double> { [0] = 3.0 })["loss"][0];
        double sample = model.Fit(x, y, verbose: 0, sampleWeight: Tensor<float>.FromValues([1, 3], 2), shuffle: false)["loss"][0];
        Assert.Equal(sample, weighted, 6);
        Assert.NotEqual(plain, weighted);
    }
}
