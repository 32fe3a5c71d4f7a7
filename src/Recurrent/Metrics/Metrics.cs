using System.Numerics;
using Recurrent.Tensors;

namespace Recurrent.Metrics;

internal enum AccuracyKind { Binary, Categorical, SparseCategorical }

internal sealed class Accuracy(AccuracyKind kind, string name) : RowMeanMetric
{
    public override string Name => name;

    public AccuracyKind Kind => kind;

    protected override double RowValue<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction)
    {
        switch (kind)
        {
            case AccuracyKind.Binary:
                double hits = 0;
                T threshold = T.CreateChecked(0.5);
                for (int j = 0; j < prediction.Length; j++)
                    hits += (prediction[j] > threshold) == (target[j] > threshold) ? 1 : 0;
                return hits / prediction.Length;
            case AccuracyKind.Categorical:
                return ArgMax(prediction) == ArgMax(target) ? 1 : 0;
            default:
                return T.CreateChecked(ArgMax(prediction)) == target[0] ? 1 : 0;
        }
    }

    // First index of the maximum, as numpy's argmax.
    internal static int ArgMax<T>(ReadOnlySpan<T> values) where T : struct, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int j = 1; j < values.Length; j++)
            if (values[j] > values[best]) best = j;
        return best;
    }
}

// "accuracy" becomes binary, categorical or sparse categorical accuracy from the first batch's shapes (Keras' rule).
internal sealed class AutoAccuracy(string name) : Metric
{
    private Accuracy? _resolved;

    public override string Name => name;

    public override void Reset() => _resolved?.Reset();

    public override double Result() => _resolved?.Result() ?? 0;

    // The resolved kind comes first, so a resumed epoch need not see a batch to know it.
    public override double[]? GetState() => _resolved is null ? [] : [(double)_resolved.Kind, .. _resolved.GetState()!];

    public override void SetState(double[] state)
    {
        if (state.Length == 0) return;
        if (!Enum.IsDefined((AccuracyKind)(int)state[0])) throw new ArgumentException($"{name}: unknown accuracy kind {state[0]}.", nameof(state));
        _resolved = new Accuracy((AccuracyKind)(int)state[0], name);
        _resolved.SetState(state[1..]);
    }

    public override void Update<T>(Tensor<T> target, Tensor<T> prediction, ReadOnlySpan<T> rowWeights)
    {
        if (_resolved is null)
        {
            var (_, width, targetWidth) = Layout(Name, target, prediction);
            AccuracyKind kind = width == 1 ? AccuracyKind.Binary : targetWidth == 1 ? AccuracyKind.SparseCategorical : AccuracyKind.Categorical;
            _resolved = new Accuracy(kind, name);
        }
        _resolved.Update(target, prediction, rowWeights);
    }
}

internal sealed class TopKAccuracy(int k, bool sparse, string name) : RowMeanMetric
{
    public override string Name => name;

    protected override double RowValue<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction)
    {
        int label = sparse ? int.CreateChecked(target[0]) : Accuracy.ArgMax(target);
        int larger = 0;
        for (int j = 0; j < prediction.Length; j++)
            if (prediction[j] > prediction[label]) larger++;
        return larger < k ? 1 : 0;
    }
}

internal enum MeanErrorKind { Absolute, Squared, RootSquared }

internal sealed class MeanError(MeanErrorKind kind, string name) : RowMeanMetric
{
    public override string Name => name;

    protected override double RowValue<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction)
    {
        if (target.Length != prediction.Length)
            throw new ShapeException($"{name}: each target row has {target.Length} value(s) but each prediction row {prediction.Length}; an error metric compares them element by element (integer class labels need an accuracy metric).");
        double sum = 0;
        for (int j = 0; j < prediction.Length; j++)
        {
            double error = double.CreateChecked(prediction[j] - target[j]);
            sum += kind == MeanErrorKind.Absolute ? Math.Abs(error) : error * error;
        }
        return sum / prediction.Length;
    }

    protected override double Finish(double mean) => kind == MeanErrorKind.RootSquared ? Math.Sqrt(mean) : mean;
}

internal enum BinaryCountsKind { Precision, Recall, F1 }

// Precision, recall and F1 of a binary task with threshold 0.5, from weighted counts over the epoch.
internal sealed class BinaryCounts(BinaryCountsKind kind, string name) : Metric
{
    private double _truePositives, _falsePositives, _falseNegatives;

    public override string Name => name;

    public override void Reset() => (_truePositives, _falsePositives, _falseNegatives) = (0, 0, 0);

    public override double[]? GetState() => [_truePositives, _falsePositives, _falseNegatives];

    public override void SetState(double[] state) => (_truePositives, _falsePositives, _falseNegatives) = (state[0], state[1], state[2]);

    public override void Update<T>(Tensor<T> target, Tensor<T> prediction, ReadOnlySpan<T> rowWeights)
    {
        var (rows, width, _) = Layout(Name, target, prediction);
        T threshold = T.CreateChecked(0.5);
        for (int r = 0; r < rows; r++)
        {
            double weight = WeightOf(rowWeights, r);
            for (int j = 0; j < width; j++)
            {
                bool predicted = prediction.Span[r * width + j] > threshold, actual = target.Span[r * width + j] > threshold;
                if (predicted && actual) _truePositives += weight;
                else if (predicted) _falsePositives += weight;
                else if (actual) _falseNegatives += weight;
            }
        }
    }

    public override double Result()
    {
        double precision = _truePositives + _falsePositives == 0 ? 0 : _truePositives / (_truePositives + _falsePositives);
        double recall = _truePositives + _falseNegatives == 0 ? 0 : _truePositives / (_truePositives + _falseNegatives);
        return kind switch
        {
            BinaryCountsKind.Precision => precision,
            BinaryCountsKind.Recall => recall,
            _ => precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
        };
    }
}
