using Recurrent.Callbacks;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Models;

/// <summary>A run interrupted at any step and resumed from its backup ends bit-identical to an uninterrupted one.</summary>
public class BackupAndRestoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-backup-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Dropout everywhere, shuffling and validation: every source of randomness and state a resume must restore.
    private static Sequential<float> Model()
    {
        var model = new Sequential<float>([new Embedding<float>(9, 4), new Lstm<float>(6, dropout: 0.2, recurrentDropout: 0.3, returnSequences: true),
            new Bidirectional<float>(new Gru<float>(3, dropout: 0.1)), new Dropout<float>(0.25), new Dense<float>(1, "sigmoid")], [5], seed: 11);
        model.Compile(new Adam(0.01), Loss.BinaryCrossentropy(), "accuracy", "mae");
        return model;
    }

    private static (Tensor<float> X, Tensor<float> Y) Data()
    {
        var random = new Random(5);
        var x = Tensor<float>.Zeros(27, 5);
        var y = Tensor<float>.Zeros(27, 1);
        for (int i = 0; i < x.Length; i++) x.Span[i] = random.Next(9);
        for (int i = 0; i < y.Length; i++) y.Span[i] = random.Next(2);
        return (x, y);
    }

    private static History Train(Sequential<float> model, params Callback[] callbacks)
    {
        var (x, y) = Data();
        return model.Fit(x, y, epochs: 4, batchSize: 4, validationSplit: 0.2, callbacks: callbacks, verbose: 0);
    }

    // Stands in for a kill: training stops dead after the given optimizer step.
    private sealed class Crash(long afterStep) : Callback
    {
        public override void OnBatchEnd(ITrainingContext context, int batch, IReadOnlyDictionary<string, double> logs)
        {
            if (context.Optimizer.Iterations == afterStep) throw new OperationCanceledException("killed");
        }
    }

    private static void AssertBitIdentical(Sequential<float> expected, Sequential<float> actual)
    {
        for (int p = 0; p < expected.Parameters.Count; p++)
            Assert.True(expected.Parameters[p].Value.Span.SequenceEqual(actual.Parameters[p].Value.Span), $"weight {p} ({expected.Parameters[p].Name}) differs");
    }

    [Theory]
    [InlineData(1, 3)]     // saved after every step, killed in the first epoch
    [InlineData(1, 12)]    // killed on the last batch of epoch 2, before its end
    [InlineData(3, 17)]    // killed 2 steps after the last backup: those steps are trained again
    [InlineData(null, 14)] // epoch backups only
    public void A_killed_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one(int? saveEvery, int killAfterStep)
    {
        Sequential<float> uninterrupted = Model();
        History expected = Train(uninterrupted);

        string directory = Path.Combine(_folder, "run");
        var backup = new BackupAndRestore(directory, saveEvery);
        Assert.Throws<OperationCanceledException>(() => Train(Model(), backup, new Crash(killAfterStep)));
        Assert.True(File.Exists(backup.BackupPath) || saveEvery is null && killAfterStep < 6);

        Sequential<float> resumed = Model();   // a new process: a fresh model built the same way
        var again = new BackupAndRestore(directory, saveEvery);
        History history = Train(resumed, again);

        Assert.True(again.Resumed);
        AssertBitIdentical(uninterrupted, resumed);
        Assert.Equal(uninterrupted.Optimizer.Iterations, resumed.Optimizer.Iterations);
        Assert.Equal(expected.Epochs, history.Epochs);
        foreach (var (name, values) in expected.Values) Assert.Equal(values, history[name]);
        Assert.False(File.Exists(again.BackupPath), "the backup is deleted when training ends normally");
    }

    [Fact]
    public void Without_a_backup_training_starts_from_scratch_and_can_keep_the_last_backup()
    {
        var backup = new BackupAndRestore(Path.Combine(_folder, "fresh"), deleteCheckpoint: false);
        Sequential<float> model = Model();
        Train(model, backup);
        Assert.False(backup.Resumed);
        Assert.True(File.Exists(backup.BackupPath));
    }

    [Fact]
    public void A_backup_of_another_model_is_refused_naming_the_file()
    {
        string directory = Path.Combine(_folder, "other");
        Train(Model(), new BackupAndRestore(directory, deleteCheckpoint: false));
        var other = new Sequential<float>([new Embedding<float>(9, 4), new SimpleRnn<float>(2), new Dense<float>(1, "sigmoid")], [5], seed: 1);
        other.Compile(new Adam(0.01), Loss.BinaryCrossentropy(), "accuracy", "mae");
        var backup = new BackupAndRestore(directory);
        var error = Assert.Throws<InvalidModelFileException>(() => Train(other, backup));
        Assert.StartsWith(backup.BackupPath + ": ", error.Message);
        Assert.Contains("another model", error.Message);
    }

    [Fact]
    public void A_backup_for_other_data_is_refused()
    {
        string directory = Path.Combine(_folder, "data");
        var backup = new BackupAndRestore(directory, saveEveryBatches: 1);
        Assert.Throws<OperationCanceledException>(() => Train(Model(), backup, new Crash(2)));
        var (x, y) = Data();
        var error = Assert.Throws<InvalidModelFileException>(() =>
            Model().Fit(Tensor<float>.FromValues(x.Span[..50], 10, 5), Tensor<float>.FromValues(y.Span[..10], 10, 1), epochs: 2, batchSize: 4, callbacks: [new BackupAndRestore(directory)], verbose: 0));
        Assert.Contains("made for other data", error.Message);
    }

    [Fact]
    public void A_damaged_backup_is_refused_naming_the_file()
    {
        string directory = Path.Combine(_folder, "damaged");
        var backup = new BackupAndRestore(directory, deleteCheckpoint: false);
        Train(Model(), backup);
        byte[] bytes = File.ReadAllBytes(backup.BackupPath);
        File.WriteAllBytes(backup.BackupPath, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidModelFileException>(() => Train(Model(), new BackupAndRestore(directory)));
        Assert.StartsWith(backup.BackupPath + ": ", error.Message);
    }
}
