using Recurrent.Callbacks;
using Recurrent.Layers;
using Recurrent.Optimizers;

namespace Recurrent.Applications;

/// <summary>The recurrent cell type of an application's network.</summary>
public enum CellKind
{
    /// <summary>LSTM.</summary>
    Lstm,
    /// <summary>GRU (reset-after form).</summary>
    Gru,
    /// <summary>SimpleRNN (tanh).</summary>
    Simple,
}

/// <summary>
/// The network and training settings shared by the three applications (and the CLI's common options):
/// a stack of recurrent layers, how to train it, and what to watch while it trains.
/// </summary>
public sealed record NetworkOptions
{
    /// <summary>Recurrent cell type.</summary>
    public CellKind Cell { get; init; } = CellKind.Lstm;

    /// <summary>Units per recurrent layer.</summary>
    public int Units { get; init; } = 64;

    /// <summary>Number of stacked recurrent layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Wrap each recurrent layer in Bidirectional (concat).</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Dropout rate after each recurrent layer (0 = none).</summary>
    public double Dropout { get; init; }

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Optimizer name: adam, sgd, rmsprop, adagrad.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Learning rate (null: the optimizer's Keras default).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Clip each gradient to this norm.</summary>
    public double? ClipNorm { get; init; }

    /// <summary>Fraction of the training data held out for validation (the last part, as Keras).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Stop after this many epochs without improvement of the validation loss (or the loss), restoring the best weights.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Reshuffle the training samples every epoch (Keras' default); false keeps their order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed for weights, dropout and shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Callbacks to add (e.g. a progress display).</summary>
    public IReadOnlyList<Callback> Callbacks { get; init; } = [];

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        if (Units <= 0) throw new ArgumentException($"--units must be positive, got {Units}.");
        if (Layers <= 0) throw new ArgumentException($"--layers must be positive, got {Layers}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"--dropout must be in [0, 1), got {Dropout}.");
        if (Epochs < 0) throw new ArgumentException($"--epochs must not be negative, got {Epochs}.");
        if (BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {BatchSize}.");
        if (ValidationSplit is < 0 or >= 1) throw new ArgumentException($"--validation-split must be in [0, 1), got {ValidationSplit}.");
        if (LearningRate is <= 0) throw new ArgumentException($"--lr must be positive, got {LearningRate}.");
        if (ClipNorm is <= 0) throw new ArgumentException($"--clip-norm must be positive, got {ClipNorm}.");
        _ = CreateOptimizer();
    }

    /// <summary>The optimizer these options describe.</summary>
    public Optimizer CreateOptimizer() => Optimizer switch
    {
        "adam" => new Adam(LearningRate ?? 0.001, clipNorm: ClipNorm),
        "sgd" => new Sgd(LearningRate ?? 0.01, clipNorm: ClipNorm),
        "rmsprop" => new RmsProp(LearningRate ?? 0.001, clipNorm: ClipNorm),
        "adagrad" => new Adagrad(LearningRate ?? 0.001, clipNorm: ClipNorm),
        _ => throw new ArgumentException($"--optimizer must be adam, sgd, rmsprop or adagrad, got '{Optimizer}'."),
    };

    /// <summary>The stacked recurrent layers; the last returns sequences only when <paramref name="lastReturnsSequences"/>.</summary>
    public IEnumerable<Layer<float>> RecurrentStack(bool lastReturnsSequences)
    {
        for (int i = 0; i < Layers; i++)
        {
            bool sequences = lastReturnsSequences || i < Layers - 1;
            RecurrentLayer<float> layer = Cell switch
            {
                CellKind.Gru => new Gru<float>(Units, returnSequences: sequences),
                CellKind.Simple => new SimpleRnn<float>(Units, returnSequences: sequences),
                _ => new Lstm<float>(Units, returnSequences: sequences),
            };
            yield return Bidirectional ? new Bidirectional<float>(layer) : layer;
            if (Dropout > 0) yield return new Dropout<float>(Dropout);
        }
    }

    /// <summary>The callbacks for training: the given ones plus early stopping when asked for.</summary>
    public List<Callback> TrainingCallbacks(bool hasValidation)
    {
        var callbacks = new List<Callback>(Callbacks);
        if (EarlyStoppingPatience is int patience)
            callbacks.Add(new EarlyStopping(hasValidation ? "val_loss" : "loss", patience: patience, restoreBestWeights: true));
        return callbacks;
    }

    /// <summary>Parses a cell name (lstm, gru, simple).</summary>
    public static CellKind ParseCell(string name) => name switch
    {
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        "simple" or "simple_rnn" or "rnn" => CellKind.Simple,
        _ => throw new ArgumentException($"--cell must be lstm, gru or simple, got '{name}'."),
    };
}
