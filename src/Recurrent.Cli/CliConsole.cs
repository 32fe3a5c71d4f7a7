using Recurrent.Callbacks;
using Spectre.Console;

namespace Recurrent.Cli;

/// <summary>Where a command writes: plain text for results, and a live Spectre progress bar when a terminal shows it.</summary>
public sealed class CliConsole(TextWriter output, TextWriter error)
{
    /// <summary>Results and tables.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Messages about problems.</summary>
    public TextWriter Error { get; } = error;

    private bool Interactive => ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>
    /// Runs <paramref name="train"/> with a progress display: a live bar per epoch (batch, loss, metrics, ETA) in a
    /// terminal, or one Keras-style line per epoch otherwise; nothing when <paramref name="quiet"/>.
    /// </summary>
    public T Train<T>(bool quiet, Func<IReadOnlyList<Callback>, T> train)
    {
        if (quiet) return train([]);
        if (!Interactive) return train([new ProgressLogger(Out, verbose: 2, condensed: true)]);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => result = train([new SpectreProgress(context)]));
        return result;
    }

    // One task per epoch: batches as progress, the running loss and metrics in the description.
    private sealed class SpectreProgress(ProgressContext context) : Callback
    {
        private ProgressTask? _task;
        private int _epoch;

        public override void OnEpochBegin(ITrainingContext training, int epoch)
        {
            _epoch = epoch;
            _task = context.AddTask($"epoch {epoch + 1}/{training.Plan.Epochs}", maxValue: training.Plan.StepsPerEpoch);
        }

        public override void OnBatchEnd(ITrainingContext training, int batch, IReadOnlyDictionary<string, double> logs)
        {
            if (_task is null) return;
            _task.Value = batch + 1;
            _task.Description = $"epoch {_epoch + 1}/{training.Plan.Epochs} {Format(logs)}";
        }

        public override void OnEpochEnd(ITrainingContext training, int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (_task is null) return;
            _task.Description = $"epoch {epoch + 1}/{training.Plan.Epochs} {Format(logs)}";
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }

        private static string Format(IReadOnlyDictionary<string, double> logs) =>
            Markup.Escape(string.Join(" ", logs.Select(kv => $"{kv.Key} {ProgressLogger.FormatValue(kv.Value)}")));
    }
}
