using System.CommandLine;
using Recurrent.Applications;
using Recurrent.Callbacks;
using Recurrent.Kernels;

namespace Recurrent.Cli.Commands;

/// <summary>The options every <c>train</c> verb shares: the network, the training, and the outputs.</summary>
internal sealed class NetworkOptionSet
{
    public Option<string> Cell { get; } = new("--cell") { Description = "Recurrent cell: lstm, gru or simple.", DefaultValueFactory = _ => "lstm" };
    public Option<int> Units { get; } = new("--units") { Description = "Units per recurrent layer.", DefaultValueFactory = _ => 64 };
    public Option<int> Layers { get; } = new("--layers") { Description = "Stacked recurrent layers.", DefaultValueFactory = _ => 1 };
    public Option<bool> Bidirectional { get; } = new("--bidirectional") { Description = "Run each recurrent layer in both directions." };
    public Option<double> Dropout { get; } = new("--dropout") { Description = "Dropout rate after each recurrent layer." };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 20 };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 32 };
    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "adam, sgd, rmsprop or adagrad.", DefaultValueFactory = _ => "adam" };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Learning rate (default: the optimizer's Keras default)." };
    public Option<double?> ClipNorm { get; } = new("--clip-norm") { Description = "Clip each gradient to this norm." };
    public Option<double> ValidationSplit { get; } = new("--validation-split") { Description = "Fraction of the training data held out (the last part)." };
    public Option<int?> EarlyStopping { get; } = new("--early-stopping") { Description = "Stop after PATIENCE epochs without improvement and keep the best weights." };
    public Option<bool> NoShuffle { get; } = new("--no-shuffle") { Description = "Keep the training samples in order instead of reshuffling each epoch." };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for weights, dropout and shuffling.", DefaultValueFactory = _ => 1 };
    public Option<int?> Threads { get; } = new("--threads") { Description = "Threads for matrix products (default: all cores)." };
    public Option<string?> Plot { get; } = new("--plot") { Description = "Write a PNG chart here." };
    public Option<string?> Json { get; } = new("--json") { Description = "Write final train / validation / test metrics here as JSON." };
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "Print only the results." };
    public Option<string?> CheckpointDir { get; } = new("--checkpoint-dir") { Description = "Keep a backup of the training state here (each epoch, and every --checkpoint-every batches) so a killed run can --resume." };
    public Option<int?> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Also back up every N batches (default: at the end of each epoch only)." };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue from the backup in --checkpoint-dir, if there is one; the result is bit-identical to an uninterrupted run." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Cell, Units, Layers, Bidirectional, Dropout, Epochs, BatchSize, Optimizer, LearningRate,
                     ClipNorm, ValidationSplit, EarlyStopping, NoShuffle, Seed, Threads, Plot, Json, Quiet, CheckpointDir, CheckpointEvery, Resume })
            command.Add(option);
    }

    private BackupAndRestore? _backup;

    // --checkpoint-dir: a BackupAndRestore that keeps its file until the model file is saved (see DeleteBackup), so a
    // kill between the end of training and the save still resumes.
    private IEnumerable<Callback> Backup(ParseResult parsed)
    {
        string? directory = parsed.GetValue(CheckpointDir);
        int? every = parsed.GetValue(CheckpointEvery);
        if (directory is null)
        {
            if (parsed.GetValue(Resume) || every is not null) throw new UsageException("--resume and --checkpoint-every need --checkpoint-dir.");
            return [];
        }
        if (every is < 1) throw new UsageException($"--checkpoint-every must be at least 1, got {every}.");
        _backup = new BackupAndRestore(directory, every, deleteCheckpoint: false);
        if (File.Exists(_backup.BackupPath) && !parsed.GetValue(Resume))
            throw new UsageException($"{_backup.BackupPath} is the backup of an unfinished run: add --resume to continue it, or delete it to start again.");
        return [_backup];
    }

    /// <summary>Removes the training backup once the model file is saved.</summary>
    public void DeleteBackup()
    {
        if (_backup is not null) File.Delete(_backup.BackupPath);
    }

    /// <summary>The network options of a parsed command line (and applies --threads).</summary>
    public NetworkOptions Read(ParseResult parsed, IReadOnlyList<Callback> callbacks)
    {
        if (parsed.GetValue(Threads) is int threads)
        {
            if (threads < 1) throw new UsageException($"--threads must be at least 1, got {threads}.");
            Gemm.MaxDegreeOfParallelism = threads;
        }
        var options = new NetworkOptions
        {
            Callbacks = [.. callbacks, .. Backup(parsed)],
            Cell = NetworkOptions.ParseCell(parsed.GetValue(Cell)!),
            Units = parsed.GetValue(Units),
            Layers = parsed.GetValue(Layers),
            Bidirectional = parsed.GetValue(Bidirectional),
            Dropout = parsed.GetValue(Dropout),
            Epochs = parsed.GetValue(Epochs),
            BatchSize = parsed.GetValue(BatchSize),
            Optimizer = parsed.GetValue(Optimizer)!,
            LearningRate = parsed.GetValue(LearningRate),
            ClipNorm = parsed.GetValue(ClipNorm),
            ValidationSplit = parsed.GetValue(ValidationSplit),
            EarlyStoppingPatience = parsed.GetValue(EarlyStopping),
            Shuffle = !parsed.GetValue(NoShuffle),
            Seed = parsed.GetValue(Seed),
        };
        options.Validate();
        return options;
    }
}
