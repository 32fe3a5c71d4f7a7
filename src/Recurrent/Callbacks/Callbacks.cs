using System.Globalization;
using System.Text;

namespace Recurrent.Callbacks;

/// <summary>
/// Keras' <c>EarlyStopping</c>: stops when the monitored value has not improved for <c>patience</c> epochs. With
/// <c>restoreBestWeights</c> the best epoch's weights are put back at the end of training (as Keras 3 does, also when
/// training ran to the last epoch).
/// </summary>
public sealed class EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
    bool restoreBestWeights = false, int startFromEpoch = 0) : MonitorCallback(monitor, mode, minDelta)
{
    private int _wait;
    private object? _bestWeights;

    /// <summary>The epoch at which training was stopped (null if it was not).</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The best epoch so far.</summary>
    public int? BestEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(ITrainingContext context)
    {
        (_wait, _bestWeights, Best, StoppedEpoch, BestEpoch) = (0, null, null, null, null);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch < startFromEpoch) return;
        double current = Read(logs);
        _wait++;
        if (IsImprovement(current))
        {
            (Best, BestEpoch, _wait) = (current, epoch, 0);
            if (restoreBestWeights) _bestWeights = context.CaptureWeights();
            return;
        }
        if (_wait >= patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            context.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(ITrainingContext context)
    {
        if (restoreBestWeights && _bestWeights is not null) context.RestoreWeights(_bestWeights);
    }
}

/// <summary>
/// Keras' <c>ReduceLROnPlateau</c>: multiplies the learning rate by <c>factor</c> after <c>patience</c> epochs without
/// an improvement of more than <c>minDelta</c> (absolute), then waits <c>cooldown</c> epochs; never below <c>minLr</c>.
/// Adds "learning_rate" to the logs.
/// </summary>
public sealed class ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, MonitorMode mode = MonitorMode.Auto,
    double minDelta = 1e-4, int cooldown = 0, double minLr = 0) : MonitorCallback(monitor, mode, minDelta)
{
    private int _wait, _cooldownCounter;

    /// <summary>Multiplier of the learning rate; must be below 1.</summary>
    public double Factor { get; } = factor < 1 ? factor : throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau: factor must be below 1.");

    /// <inheritdoc/>
    public override void OnTrainBegin(ITrainingContext context) => (_wait, _cooldownCounter, Best) = (0, 0, null);

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double rate = context.Optimizer.LearningRate;
        if (logs is IDictionary<string, double> writable) writable["learning_rate"] = rate;
        double current = Read(logs);
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        if (IsImprovement(current))
        {
            Best = current;
            _wait = 0;
        }
        else if (_cooldownCounter <= 0 && ++_wait >= patience && rate > (float)minLr)
        {
            context.Optimizer.LearningRate = Math.Max(rate * Factor, minLr);
            _cooldownCounter = cooldown;
            _wait = 0;
        }
    }
}

/// <summary>
/// Keras' <c>TerminateOnNaN</c>: stops training after a batch whose running loss is NaN or infinite (instead of
/// <c>Fit</c> throwing <see cref="Models.TrainingDivergedException"/>).
/// </summary>
public sealed class TerminateOnNaN(TextWriter? output = null) : Callback
{
    /// <summary>The batch that had an invalid loss, if any.</summary>
    public int? TerminatedAtBatch { get; private set; }

    /// <inheritdoc/>
    public override void OnBatchEnd(ITrainingContext context, int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue("loss", out double loss) && !double.IsFinite(loss))
        {
            TerminatedAtBatch = batch;
            output?.WriteLine($"Batch {batch}: Invalid loss, terminating training");
            context.StopTraining = true;
        }
    }
}

/// <summary>
/// Keras' <c>CSVLogger</c>: one row per epoch, columns <c>epoch</c> then the log keys in alphabetical order (fixed at
/// the first epoch). The file is rewritten whole after each epoch through a temporary file, so it is never half written.
/// </summary>
public sealed class CsvLogger(string path, char separator = ',', bool append = false) : Callback
{
    private readonly StringBuilder _text = new();
    private string[]? _keys;

    /// <inheritdoc/>
    public override void OnTrainBegin(ITrainingContext context)
    {
        _text.Clear();
        _keys = null;
        if (append && File.Exists(path)) _text.Append(File.ReadAllText(path));
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_keys is null)
        {
            _keys = logs.Keys.Order(StringComparer.Ordinal).ToArray();
            if (_text.Length == 0) _text.Append("epoch").Append(string.Concat(_keys.Select(k => separator + k))).Append('\n');
        }
        _text.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (string key in _keys)
            _text.Append(separator).Append(logs.TryGetValue(key, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        _text.Append('\n');
        IO.AtomicFile.WriteAllText(path, _text.ToString());
    }
}

/// <summary>
/// Keras' <c>ModelCheckpoint</c>: saves the model file after each epoch, or with <c>saveBestOnly</c> only when the
/// monitored value is strictly better than before. "{epoch}" in the path becomes the epoch number (from 1).
/// Each save is atomic, so a kill never leaves a half-written checkpoint.
/// </summary>
public sealed class ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto)
    : MonitorCallback(monitor, mode, 0)
{
    /// <summary>Paths written so far, in order.</summary>
    public List<string> Saved { get; } = [];

    /// <inheritdoc/>
    public override void OnTrainBegin(ITrainingContext context) => Best = null;

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (saveBestOnly)
        {
            double current = Read(logs);
            if (!IsImprovement(current)) return;
            Best = current;
        }
        string target = path.Replace("{epoch}", (epoch + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        context.Save(target);
        Saved.Add(target);
    }
}

/// <summary>
/// Keras' <c>BackupAndRestore</c>: keeps a backup of the training state in <paramref name="backupDirectory"/> at the end
/// of every epoch (and every <paramref name="saveEveryBatches"/> optimizer steps when given), and when <c>Fit</c> starts
/// with a backup there, continues from it. A run killed at any moment and started again with the same data, seed and
/// settings ends with weights bit-identical to an uninterrupted run. Each backup is written atomically; the backup
/// is deleted when training ends normally unless <paramref name="deleteCheckpoint"/> is false.
/// </summary>
/// <remarks>
/// The backup holds the weights, the optimizer's step count, learning rate and slots, every random generator, the
/// epoch's shuffled order and position, the running loss and metrics, and the history. Other callbacks' own state
/// (EarlyStopping's patience counter, for example) starts afresh on resume, as in Keras.
/// </remarks>
public sealed class BackupAndRestore(string backupDirectory, int? saveEveryBatches = null, bool deleteCheckpoint = true) : Callback
{
    private readonly int? _saveEvery = saveEveryBatches is null or > 0 ? saveEveryBatches
        : throw new ArgumentOutOfRangeException(nameof(saveEveryBatches), saveEveryBatches, "BackupAndRestore: save_freq must be positive.");

    /// <summary>The backup file.</summary>
    public string BackupPath { get; } = Path.Combine(backupDirectory, "backup.safetensors");

    /// <summary>Whether the last <c>Fit</c> continued from a backup.</summary>
    public bool Resumed { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(ITrainingContext context)
    {
        Directory.CreateDirectory(backupDirectory);
        Resumed = context.RestoreBackup(BackupPath);
    }

    /// <inheritdoc/>
    public override void OnBatchEnd(ITrainingContext context, int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (_saveEvery is int every && context.Optimizer.Iterations % every == 0) context.SaveBackup(BackupPath);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs) => context.SaveBackup(BackupPath);

    /// <inheritdoc/>
    public override void OnTrainEnd(ITrainingContext context)
    {
        if (deleteCheckpoint) File.Delete(BackupPath);
    }
}
