using Recurrent.Optimizers;

namespace Recurrent.Callbacks;

/// <summary>What a callback may see and change of the model being trained.</summary>
public interface ITrainingContext
{
    /// <summary>The model's name.</summary>
    string Name { get; }

    /// <summary>The optimizer (callbacks may change its learning rate).</summary>
    Optimizer Optimizer { get; }

    /// <summary>Set to true to end training after the current epoch.</summary>
    bool StopTraining { get; set; }

    /// <summary>Total epochs and batches per epoch of the current <c>Fit</c>.</summary>
    (int Epochs, int StepsPerEpoch) Plan { get; }

    /// <summary>A copy of all weights, to restore later.</summary>
    object CaptureWeights();

    /// <summary>Puts back weights captured by <see cref="CaptureWeights"/>.</summary>
    void RestoreWeights(object snapshot);

    /// <summary>Saves the model to a model file (atomically).</summary>
    void Save(string path);

    /// <summary>
    /// Saves what an exact resume needs (weights, optimizer state, random generators, position in the epoch, history)
    /// to one file, atomically.
    /// </summary>
    void SaveBackup(string path);

    /// <summary>Restores a backup made by <see cref="SaveBackup"/> so that <c>Fit</c> continues from it; false when the file does not exist.</summary>
    /// <exception cref="IO.InvalidModelFileException">The file is damaged or belongs to another model, optimizer or data set.</exception>
    bool RestoreBackup(string path);
}

/// <summary>
/// Hooks into <c>Fit</c>, as Keras' callbacks: logs hold "loss", the metrics, and on epoch end "val_" versions.
/// Epochs and batches count from 0.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(ITrainingContext context) { }

    /// <summary>Before each epoch.</summary>
    public virtual void OnEpochBegin(ITrainingContext context, int epoch) { }

    /// <summary>After each training batch, with the running means of the epoch so far.</summary>
    public virtual void OnBatchEnd(ITrainingContext context, int batch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>After each epoch, with its final training and validation values.</summary>
    public virtual void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>After the last epoch (also when stopped early).</summary>
    public virtual void OnTrainEnd(ITrainingContext context) { }
}
