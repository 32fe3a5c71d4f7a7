using System.Diagnostics;
using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Callbacks;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Metrics;
using Recurrent.Tensors;

namespace Recurrent.Models;

public abstract partial class Model<T>
{
    /// <summary>
    /// Trains the model, as Keras' <c>fit</c>: <paramref name="epochs"/> passes over the data in batches of
    /// <paramref name="batchSize"/> (the last one may be smaller), reshuffled each epoch when <paramref name="shuffle"/>.
    /// <paramref name="validationSplit"/> holds out the last fraction of the samples (before shuffling);
    /// <paramref name="classWeight"/> and <paramref name="sampleWeight"/> weight the loss per sample.
    /// <paramref name="verbose"/>: 0 silent, 1 a progress line per epoch, 2 the same without the bar.
    /// </summary>
    /// <returns>The loss and metrics of every epoch (and their <c>val_</c> versions).</returns>
    /// <exception cref="ArgumentException">Bad data (sizes, shapes, NaN, labels); the message says what and where.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient became NaN or infinite.</exception>
    public History Fit(Tensor<T> x, Tensor<T> y, int epochs = 1, int batchSize = 32, double validationSplit = 0,
        (Tensor<T> X, Tensor<T> Y)? validationData = null, bool shuffle = true, IReadOnlyList<Callback>? callbacks = null,
        int verbose = 1, IReadOnlyDictionary<int, double>? classWeight = null, Tensor<T>? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Fit([x], y, epochs, batchSize, validationSplit, validationData is var (vx, vy) ? ([vx], vy) : null, shuffle, callbacks,
            verbose, classWeight, sampleWeight);
    }

    /// <summary>
    /// <see cref="Fit(Tensor{T}, Tensor{T}, int, int, double, ValueTuple{Tensor{T}, Tensor{T}}?, bool, IReadOnlyList{Callback}?, int, IReadOnlyDictionary{int, double}?, Tensor{T}?)"/>
    /// for a model with several inputs: <paramref name="x"/> holds one tensor per input, in input order, all with the
    /// same number of samples. The loss compares <paramref name="y"/> with the model's first output.
    /// </summary>
    /// <returns>The loss and metrics of every epoch (and their <c>val_</c> versions).</returns>
    /// <exception cref="ArgumentException">Bad data (sizes, shapes, NaN, labels); the message says what and where.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient became NaN or infinite.</exception>
    public History Fit(IReadOnlyList<Tensor<T>> x, Tensor<T> y, int epochs = 1, int batchSize = 32, double validationSplit = 0,
        (IReadOnlyList<Tensor<T>> X, Tensor<T> Y)? validationData = null, bool shuffle = true, IReadOnlyList<Callback>? callbacks = null,
        int verbose = 1, IReadOnlyDictionary<int, double>? classWeight = null, Tensor<T>? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Fit: epochs must be non-negative.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Fit: batch_size must be positive.");
        if (validationSplit is < 0 or >= 1 || double.IsNaN(validationSplit))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "Fit: validation_split must be in [0, 1).");
        if (classWeight is not null && sampleWeight is not null)
            throw new ArgumentException("Fit: give class_weight or sample_weight, not both.");
        _ = Optimizer;
        if (!IsBuilt && x.Count == 1) Build(x[0].Shape[1..].ToArray());
        CheckData("Fit", x, y, sampleWeight);

        int samples = x[0].Dim(0);
        int[] training = Enumerable.Range(0, samples).ToArray(), validation = [];
        IReadOnlyList<Tensor<T>> validationX = x;
        Tensor<T> validationY = y;
        if (validationSplit > 0)
        {
            int splitAt = (int)Math.Floor(samples * (1 - validationSplit));
            if (splitAt == 0 || splitAt == samples)
                throw new ArgumentException($"Fit: validation_split {validationSplit} of {samples} samples leaves an empty training or validation set.");
            training = training[..splitAt];
            validation = Enumerable.Range(splitAt, samples - splitAt).ToArray();
        }
        else if (validationData is var (vx, vy))
        {
            CheckData("Fit (validation data)", vx, vy, null);
            (validationX, validationY) = (vx, vy);
            validation = Enumerable.Range(0, vx[0].Dim(0)).ToArray();
        }
        if (classWeight is not null) sampleWeight = ClassWeightsToSampleWeights(y, classWeight);

        var allCallbacks = new List<Callback>(callbacks ?? []);
        if (verbose > 0) allCallbacks.Add(new ProgressLogger(Log, verbose));
        var context = (ITrainingContext)this;
        context.StopTraining = false;
        _plan = (epochs, (training.Length + batchSize - 1) / batchSize);
        bool tolerateNaN = allCallbacks.Any(c => c is TerminateOnNaN);
        _history = new History();
        _progress = null;
        _resumeAt = null;

        foreach (Callback callback in allCallbacks) callback.OnTrainBegin(this);
        CheckResumePosition(training.Length, batchSize);
        // A BackupAndRestore callback may have restored a backup: continue from its position.
        for (int epoch = _resumeAt?.Epoch ?? 0; epoch < epochs && !context.StopTraining; epoch++)
        {
            foreach (Callback callback in allCallbacks) callback.OnEpochBegin(this, epoch);
            foreach (Metric metric in _metrics) metric.Reset();
            EpochProgress progress;
            if (_resumeAt is { Order: not null } resumed && resumed.Epoch == epoch)
            {
                progress = resumed;
                for (int m = 0; m < _metrics.Count; m++)
                {
                    try { if (resumed.MetricStates[m] is double[] state) _metrics[m].SetState(state); }
                    catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
                    { throw new IO.InvalidModelFileException($"{_resumeSource}: the state of metric '{_metrics[m].Name}' does not fit it ({e.Message}).", e); }
                }
            }
            else
            {
                int[] order = (int[])training.Clone();
                if (shuffle) ShuffleRandom.Shuffle(order);
                progress = new EpochProgress(epoch, order);
            }
            _resumeAt = null;
            _progress = progress;
            var logs = RunEpoch(x, y, sampleWeight, progress, batchSize, train: true, allCallbacks, NewLogs(), tolerateNaN);
            _progress = null;
            if (validation.Length > 0)
            {
                foreach (Metric metric in _metrics) metric.Reset();
                foreach (var (name, value) in RunEpoch(validationX, validationY, null, new EpochProgress(epoch, validation), batchSize, train: false, null, NewLogs(), tolerateNaN))
                    logs["val_" + name] = value;
            }
            // Callbacks may add to the logs (ReduceLROnPlateau's learning_rate) before the epoch enters the history;
            // a backup taken meanwhile saves it from here.
            _endingEpoch = (epoch, logs);
            foreach (Callback callback in allCallbacks) callback.OnEpochEnd(this, epoch, logs);
            _endingEpoch = null;
            _history.Add(epoch, logs);
        }
        foreach (Callback callback in allCallbacks) callback.OnTrainEnd(this);
        return _history;
    }

    // Where a pass over the data is: what a backup saves and a resumed Fit continues from. Order null means all
    // samples in order (Evaluate, TrainOnBatch), or, in a backup taken between epochs, that the next epoch is to be shuffled.
    private sealed class EpochProgress(int epoch, int[]? order)
    {
        public int Epoch { get; private set; } = epoch;
        public int[]? Order { get; private set; } = order;
        public int NextBatch { get; set; }
        public double LossSum { get; set; }
        public int Seen { get; set; }
        public double[]?[] MetricStates { get; init; } = [];

        // Evaluate and TrainOnBatch reuse one, so a step allocates nothing.
        public EpochProgress Restart(int[]? order)
        {
            (Epoch, Order, NextBatch, LossSum, Seen) = (0, order, 0, 0, 0);
            return this;
        }
    }

    // The batches of `progress` from its next one on (metrics are reset by the caller), written into `logs` and
    // returned: the (batch-size weighted) mean loss and the metrics, keys sorted as Keras logs them. A training batch
    // allocates nothing in steady state: batches are gathered into reused buffers and every layer reuses its workspaces.
    private SortedDictionary<string, double> RunEpoch(IReadOnlyList<Tensor<T>> x, Tensor<T> y, Tensor<T>? sampleWeight, EpochProgress progress, int batchSize,
        bool train, IReadOnlyList<Callback>? callbacks, SortedDictionary<string, double> logs, bool tolerateNaN = false)
    {
        int[]? order = progress.Order;
        int samples = order?.Length ?? x[0].Dim(0);
        if (_inputBatches.Length != x.Count) _inputBatches = new Tensor<T>[x.Count];
        for (int start = progress.NextBatch * batchSize; start < samples; start += batchSize)
        {
            int batchIndex = progress.NextBatch, count = Math.Min(batchSize, samples - start);
            // Slots 1 and 2 are y and the sample weights; the first input keeps slot 0, the others follow from 3.
            for (int i = 0; i < x.Count; i++) _inputBatches[i] = BatchOf(x[i], order, start, count, i == 0 ? 0 : i + 2);
            double loss = Step(_inputBatches, BatchOf(y, order, start, count, 1),
                sampleWeight is null ? null : BatchOf(sampleWeight, order, start, count, 2), train, progress.Epoch, batchIndex, tolerateNaN);
            progress.LossSum += loss * count;
            progress.Seen += count;
            progress.NextBatch++;
            if (!train) continue;
            FillLogs(logs, progress.LossSum / progress.Seen);
            for (int i = 0; i < (callbacks?.Count ?? 0); i++) callbacks![i].OnBatchEnd(this, batchIndex, logs);
            if (((ITrainingContext)this).StopTraining) break;
        }
        FillLogs(logs, progress.Seen == 0 ? double.NaN : progress.LossSum / progress.Seen);
        return logs;
    }

    private static SortedDictionary<string, double> NewLogs() => new(StringComparer.Ordinal);

    private void FillLogs(IDictionary<string, double> logs, double loss)
    {
        logs["loss"] = loss;
        foreach (Metric metric in _metrics) logs[metric.Name] = metric.Result();
    }

    // The batch of each input, gathered by RunEpoch into an array kept for the next batch.
    private Tensor<T>[] _inputBatches = [];

    private double Step(Tensor<T>[] x, Tensor<T> y, Tensor<T>? sampleWeight, bool train, int epoch, int batch, bool tolerateNaN)
    {
        Tensor<T> prediction = ForwardBatch(x, train, out bool[,]? mask)[0];
        (T[] lossWeights, T[] metricWeights) = RowWeights(prediction, x[0].Dim(0), sampleWeight, mask);

        Loss loss = Loss;
        IFusedOutput<T>? fused = FusableOutput;
        Loss? fusedLoss = fused is null ? null : FusedLoss(loss, fused.OutputActivation.Name);
        Tensor<T> lossInput = fusedLoss is null ? prediction : fused!.PreActivation;
        Tensor<T> gradient = _lossGradient.Get(lossInput.Shape);
        double value = double.CreateChecked((fusedLoss ?? loss).Compute(y, lossInput, lossWeights, gradient.Span));

        foreach (Metric metric in _metrics) metric.Update(y, prediction, metricWeights);
        if (!train) return value;
        if (!double.IsFinite(value))
        {
            if (tolerateNaN) return value;
            throw new TrainingDivergedException($"Fit: the loss became {value} at epoch {epoch + 1}, batch {batch + 1}. Try a lower learning rate, or clipnorm in the optimizer.");
        }
        IReadOnlyList<Layer<T>> layers = Layers;
        for (int i = 0; i < layers.Count; i++) layers[i].ZeroGradients();
        BackwardBatch(gradient, fusedLoss is not null);
        _trainable.Clear();
        for (int i = 0; i < layers.Count; i++)
        {
            IReadOnlyList<Parameter<T>> parameters = layers[i].Parameters;
            for (int p = 0; p < parameters.Count; p++)
            {
                ReadOnlySpan<T> g = parameters[p].Gradient.Span;
                int bad = FirstNonFinite(g);
                if (bad >= 0)
                    throw new TrainingDivergedException($"Fit: the gradient of layer '{layers[i].Name}' weight '{parameters[p].Name}' became {g[bad]} at epoch {epoch + 1}, batch {batch + 1} (exploding gradients). Try clipnorm or global_clipnorm in the optimizer, or a lower learning rate.");
                if (layers[i].Trainable) _trainable.Add(parameters[p]);
            }
        }
        Optimizer.Apply(_trainable);
        return value;
    }

    // The index of the first NaN or infinity, or −1. A vectorised max-magnitude search finds NaN (it returns the first)
    // and infinity (the largest magnitude), so the common all-finite case costs one SIMD pass.
    private static int FirstNonFinite(ReadOnlySpan<T> values)
    {
        if (values.IsEmpty || T.IsFinite(values[TensorPrimitives.IndexOfMaxMagnitude(values)])) return -1;
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }

    // Loss.FusedWith builds a new loss: keep the last one, so a training step does not allocate it again.
    private Loss? FusedLoss(Loss loss, string activation)
    {
        if (_fusedLoss is not var (cachedLoss, cachedActivation, cached) || cachedLoss != loss || cachedActivation != activation)
        {
            cached = loss.FusedWith(activation);
            _fusedLoss = (loss, activation, cached);
        }
        return cached;
    }

    // Batch rows start.. start + count of `order` (null: in order) from `source`: the tensor itself when that is all
    // of it, else a copy in a buffer reused for the next batch of the same shape (`slot` tells x, y and sample weights apart).
    private Tensor<T> BatchOf(Tensor<T> source, int[]? order, int start, int count, int slot)
    {
        if (order is null && start == 0 && count == source.Dim(0)) return source;
        if (!_batchBuffers.TryGetValue((slot, count), out Tensor<T>? batch) || !batch.Shape[1..].SequenceEqual(source.Shape[1..]))
        {
            int[] shape = source.Shape.ToArray();
            shape[0] = count;
            _batchBuffers[(slot, count)] = batch = Tensor<T>.Zeros(shape);
        }
        int width = source.Length / source.Dim(0);
        for (int i = 0; i < count; i++)
            source.Span.Slice((order?[start + i] ?? start + i) * width, width).CopyTo(batch.Span.Slice(i * width));
        return batch;
    }

    // Per prediction row: the loss weight (sample weight × mask, with Keras' total/valid scaling so a masked loss is
    // the mean over real steps) and the metric weight (sample weight × mask). Empty arrays mean all ones.
    // The arrays are the model's, reused while the number of rows stays the same.
    private (T[] Loss, T[] Metric) RowWeights(Tensor<T> prediction, int batch, Tensor<T>? sampleWeight, bool[,]? mask)
    {
        if (sampleWeight is null && mask is null) return ([], []);
        int width = prediction.Dim(prediction.Rank - 1), rows = prediction.Length / width, rowsPerSample = rows / batch;
        bool maskApplies = mask is not null && prediction.Rank == 3 && mask.GetLength(1) == rowsPerSample;
        int valid = 0;
        if (maskApplies) foreach (bool real in mask!) valid += real ? 1 : 0;
        T maskScale = maskApplies ? (valid == 0 ? T.Zero : T.CreateChecked((double)rows / valid)) : T.One;
        if (_lossWeights.Length != rows) (_lossWeights, _metricWeights) = (new T[rows], new T[rows]);
        T[] lossWeights = _lossWeights, metricWeights = _metricWeights;
        for (int r = 0; r < rows; r++)
        {
            int b = r / rowsPerSample;
            T weight = sampleWeight is null ? T.One : sampleWeight.Span[b];
            bool real = !maskApplies || mask![b, r % rowsPerSample];
            metricWeights[r] = real ? weight : T.Zero;
            lossWeights[r] = real ? weight * maskScale : T.Zero;
        }
        return (lossWeights, metricWeights);
    }

    // Keras: the class of a sample is its label (squeezed), or the argmax of a one-hot row.
    private static Tensor<T> ClassWeightsToSampleWeights(Tensor<T> y, IReadOnlyDictionary<int, double> classWeight)
    {
        int samples = y.Dim(0), width = y.Length / samples;
        var weights = Tensor<T>.Zeros(samples);
        for (int i = 0; i < samples; i++)
        {
            ReadOnlySpan<T> row = y.Span.Slice(i * width, width);
            int label = width == 1 ? int.CreateChecked(T.Round(row[0])) : ArgMax(row);
            weights.Span[i] = T.CreateChecked(classWeight.TryGetValue(label, out double w) ? w : 1.0);
        }
        return weights;
    }

    private static int ArgMax(ReadOnlySpan<T> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    // Checks each input against its shape and for NaN / infinity; a single input is called x, several x[0], x[1], ...
    private void CheckInputs(string operation, IReadOnlyList<Tensor<T>> x)
    {
        IReadOnlyList<int[]> shapes = InputShapes!;
        if (x.Count != shapes.Count)
            throw new ArgumentException($"{operation}: model '{Name}' has {shapes.Count} input(s), got {x.Count} tensor(s).");
        for (int i = 0; i < x.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(x[i]);
            // The name is made only for a message: a training step allocates nothing.
            static string What(int count, int i) => count == 1 ? "x" : $"x[{i}]";
            if (!FitsShape(x[i], shapes[i]))
                throw new ShapeException($"{operation}: {What(x.Count, i)} expected shape [batch, {string.Join(", ", shapes[i].Select(d => d < 0 ? "any" : d.ToString()))}] for model '{Name}', got {x[i].ShapeText}.");
            if (x[i].Dim(0) != x[0].Dim(0))
                throw new ArgumentException($"{operation}: {What(x.Count, i)} has {x[i].Dim(0)} samples but x[0] has {x[0].Dim(0)}.");
            if (FirstNonFinite(x[i].Span) >= 0) CheckFinite(operation, What(x.Count, i), x[i]);
        }
    }

    private static bool FitsShape(Tensor<T> x, int[] shape)
    {
        if (x.Rank != shape.Length + 1) return false;
        for (int axis = 0; axis < shape.Length; axis++)
            if (shape[axis] >= 0 && shape[axis] != x.Dim(axis + 1)) return false;
        return true;
    }

    private void CheckData(string operation, IReadOnlyList<Tensor<T>> inputs, Tensor<T> y, Tensor<T>? sampleWeight)
    {
        CheckInputs(operation, inputs);
        Tensor<T> x = inputs[0];
        if (y.Rank == 0 || y.Dim(0) != x.Dim(0))
            throw new ArgumentException($"{operation}: x has {x.Dim(0)} samples but y has {(y.Rank == 0 ? 0 : y.Dim(0))}.");
        if (sampleWeight is not null && sampleWeight.Length != x.Dim(0))
            throw new ArgumentException($"{operation}: sample_weight has {sampleWeight.Length} values for {x.Dim(0)} samples.");
        CheckFinite(operation, "y", y);
        if (_loss is not null && _loss.TargetWidth(2) == 1)
        {
            int classes = OutputFeatures;
            for (int i = 0; i < y.Length; i++)
            {
                T label = y.Span[i];
                if (!T.IsInteger(label) || label < T.Zero || label >= T.CreateChecked(classes))
                    throw new ArgumentException($"{operation}: y{IndexText(y, i)} = {label} is not a class index in [0, {classes}) for {_loss.Name} (the model outputs {classes} classes).");
            }
        }
    }

    private static void CheckFinite(string operation, string what, Tensor<T> values)
    {
        int i = FirstNonFinite(values.Span);
        if (i >= 0)
            throw new ArgumentException($"{operation}: {what} contains {values.Span[i]} at {what}{IndexText(values, i)} (sample {i / Math.Max(1, values.Length / values.Dim(0))}).");
    }

    private static string IndexText(Tensor<T> tensor, int flat)
    {
        var index = new int[tensor.Rank];
        for (int axis = tensor.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = flat % tensor.Dim(axis);
            flat /= tensor.Dim(axis);
        }
        return Tensor<T>.FormatShape(index);
    }

    /// <summary>The (first) output's shape without the batch axis.</summary>
    public int[] OutputShape
    {
        get
        {
            RequireBuilt("OutputShape");
            return OutputShapes[0];
        }
    }

    /// <summary>Every output's shape without the batch axis, in output order (once built).</summary>
    public abstract IReadOnlyList<int[]> OutputShapes { get; }

    /// <summary>The last dimension of the first output (read on every batch, so without copying the shapes).</summary>
    private protected virtual int OutputFeatures => OutputShape[^1];

    private static IEnumerable<int[]> Batches(int count, int batchSize, bool shuffle)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch_size must be positive.");
        for (int start = 0; start < count; start += batchSize)
            yield return Enumerable.Range(start, Math.Min(batchSize, count - start)).ToArray();
    }

    private static Tensor<T> Gather(Tensor<T> source, int[] samples)
    {
        int width = source.Length / Math.Max(1, source.Dim(0));
        int[] shape = source.Shape.ToArray();
        shape[0] = samples.Length;
        var result = Tensor<T>.Zeros(shape);
        for (int i = 0; i < samples.Length; i++)
            source.Span.Slice(samples[i] * width, width).CopyTo(result.Span.Slice(i * width));
        return result;
    }

    private static Tensor<T> Concatenate(List<Tensor<T>> parts)
    {
        int[] shape = parts[0].Shape.ToArray();
        shape[0] = parts.Sum(p => p.Dim(0));
        var result = Tensor<T>.Zeros(shape);
        int offset = 0;
        foreach (Tensor<T> part in parts)
        {
            part.Span.CopyTo(result.Span.Slice(offset));
            offset += part.Length;
        }
        return result;
    }
}
