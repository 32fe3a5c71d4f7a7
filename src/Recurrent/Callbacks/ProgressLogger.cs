using System.Diagnostics;
using System.Globalization;

namespace Recurrent.Callbacks;

/// <summary>
/// Keras 3's progress output for <c>Fit(verbose: 1 or 2)</c>: "Epoch i/N" (when N &gt; 1) and, per epoch,
/// <c>32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - accuracy: 0.5100 - loss: 0.6931 - val_loss: 0.6935</c>
/// (verbose 2: <c>32/32 - 1s - 3ms/step - ...</c>). Metrics are in alphabetical order, as Keras logs them.
/// With <paramref name="condensed"/>, long runs (over 20 epochs) log only about every tenth epoch and the last.
/// </summary>
public sealed class ProgressLogger(TextWriter output, int verbose = 1, bool condensed = false) : Callback
{
    private readonly Stopwatch _clock = new();

    /// <inheritdoc/>
    public override void OnEpochBegin(ITrainingContext context, int epoch)
    {
        if (context.Plan.Epochs > 1 && Shows(context, epoch)) output.WriteLine($"Epoch {epoch + 1}/{context.Plan.Epochs}");
        _clock.Restart();
    }

    private bool Shows(ITrainingContext context, int epoch)
    {
        int epochs = context.Plan.Epochs;
        return !condensed || epochs <= 20 || epoch == 0 || epoch == epochs - 1 || (epoch + 1) % ((epochs + 9) / 10) == 0;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(ITrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!Shows(context, epoch) && !context.StopTraining) return;
        int steps = context.Plan.StepsPerEpoch;
        double seconds = _clock.Elapsed.TotalSeconds;
        string count = $"{steps}/{steps}";
        string perStep = FormatPerStep(seconds / Math.Max(1, steps));
        string values = string.Concat(logs.Select(kv => $" - {kv.Key}: {FormatValue(kv.Value)}"));
        output.WriteLine(verbose == 1
            ? $"{count} {new string('━', 20)} {seconds:0}s {perStep}{values}"
            : $"{count} - {seconds:0}s - {perStep}{values}");
    }

    /// <summary>Keras: four decimals, or scientific notation for magnitudes up to 1e-3.</summary>
    public static string FormatValue(double value) =>
        Math.Abs(value) > 1e-3 ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString("0.0000e+0", CultureInfo.InvariantCulture);

    private static string FormatPerStep(double seconds) =>
        seconds >= 1 ? $"{seconds:0}s/step" : seconds >= 1e-3 ? $"{seconds * 1e3:0}ms/step" : $"{seconds * 1e6:0}us/step";
}
