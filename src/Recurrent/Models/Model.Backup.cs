using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Callbacks;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Metrics;
using Recurrent.Tensors;

namespace Recurrent.Models;

public abstract partial class Model<T>
{
    private const string BackupFormat = "recurrent-training-backup";

    private History _history = new();
    private EpochProgress? _progress;   // the epoch Fit is training, between its batches
    private EpochProgress? _resumeAt;   // where a restored backup continues
    private (int Epoch, IReadOnlyDictionary<string, double> Logs)? _endingEpoch;

    void ITrainingContext.SaveBackup(string path) => SaveBackup(path);

    bool ITrainingContext.RestoreBackup(string path) => RestoreBackup(path);

    /// <summary>The layers that run: <see cref="Layers"/>, and in a functional model the twins of its shared layers.</summary>
    private protected virtual IEnumerable<Layer<T>> RunningLayers => Layers;

    // Every running layer with the layers it wraps, depth first: each owns a random generator (dropout masks).
    private IEnumerable<Layer<T>> AllLayers()
    {
        var pending = new Stack<Layer<T>>(RunningLayers.Reverse());
        while (pending.TryPop(out Layer<T>? layer))
        {
            yield return layer;
            foreach (Layer<T> inner in layer.InnerLayers.Reverse()) pending.Push(inner);
        }
    }

    /// <summary>
    /// Writes everything an exact resume needs into one safetensors file (atomically): weights, the optimizer's step
    /// count, learning rate and slots, every random generator's state, the position in the epoch with its shuffled
    /// order and running sums, and the history so far.
    /// </summary>
    private void SaveBackup(string path)
    {
        RequireBuilt("SaveBackup");
        IReadOnlyList<Parameter<T>> parameters = Parameters;
        T[][][] slots = Optimizer.Slots(parameters);
        var tensors = new List<(string Name, Tensor<T> Tensor)>();
        for (int p = 0; p < parameters.Count; p++)
        {
            tensors.Add(($"weight/{p}", parameters[p].Value));
            for (int k = 0; k < slots[p].Length; k++) tensors.Add(($"slot/{p}/{k}", new Tensor<T>(slots[p][k], [slots[p][k].Length])));
        }

        History history = _history;
        int epoch = _progress?.Epoch ?? (_endingEpoch is var (ending, _) ? ending + 1 : history.Epochs.Count == 0 ? 0 : history.Epochs[^1] + 1);
        var historyJson = new JsonObject { ["epochs"] = Numbers(history.Epochs.Concat(_endingEpoch is var (e, _) ? [e] : [])) };
        var values = new JsonObject();
        foreach (var (name, list) in history.Values) values[name] = Numbers(list);
        if (_endingEpoch is var (_, logs))
            foreach (var (name, value) in logs)
                values[name] = values[name] is JsonArray known ? new JsonArray([.. known.Select(v => v!.DeepClone()), JsonValue.Create(value)]) : Numbers([value]);
        historyJson["values"] = values;

        var state = new JsonObject
        {
            ["epoch"] = epoch,
            ["next_batch"] = _progress?.NextBatch ?? 0,
            ["order"] = _progress?.Order is int[] order ? Numbers(order) : null,
            ["loss_sum"] = _progress?.LossSum ?? 0,
            ["seen"] = _progress?.Seen ?? 0,
            ["metrics"] = new JsonArray(_metrics.Select(m => _progress is null ? null : m.GetState() is double[] s ? (JsonNode)Numbers(s) : null).ToArray()),
            ["optimizer"] = Optimizer.Name,
            ["iterations"] = Optimizer.Iterations,
            ["learning_rate"] = Optimizer.ConstantLearningRate,
            ["shuffle_random"] = _random is null ? null : Numbers(_random.GetState()),
            ["layer_randoms"] = new JsonArray(AllLayers().Select(l => l.RandomState is int[] s ? (JsonNode)Numbers(s) : null).ToArray()),
            ["history"] = historyJson,
        };
        SafeTensors.Write(path, tensors, new Dictionary<string, string>
        {
            ["format"] = BackupFormat,
            ["format_version"] = "1",
            ["state"] = state.ToJsonString(),
        });
    }

    private static JsonArray Numbers<TNumber>(IEnumerable<TNumber> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());

    /// <summary>Restores a backup written by <see cref="SaveBackup"/>; false when there is none at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidModelFileException">The file is damaged or was made for another model or optimizer.</exception>
    private bool RestoreBackup(string path)
    {
        if (!File.Exists(path)) return false;
        RequireBuilt("RestoreBackup");
        var (tensors, metadata) = SafeTensors.Read<T>(path);
        InvalidModelFileException Bad(string problem) => new($"{path}: {problem}");
        if (!metadata.TryGetValue("format", out string? format) || format != BackupFormat) throw Bad($"not a training backup (format '{format}', expected '{BackupFormat}').");
        if (metadata.GetValueOrDefault("format_version") != "1") throw Bad($"backup format version {metadata.GetValueOrDefault("format_version")} is not supported (1).");
        try
        {
            JsonNode state = JsonNode.Parse(metadata.GetValueOrDefault("state") ?? "", documentOptions: new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false })
                ?? throw Bad("the backup state is empty.");
            string optimizer = state["optimizer"]!.GetValue<string>();
            if (optimizer != Optimizer.Name) throw Bad($"the backup was made with optimizer '{optimizer}', the model is compiled with '{Optimizer.Name}'.");

            IReadOnlyList<Parameter<T>> parameters = Parameters;
            T[][][] slots = Optimizer.Slots(parameters);
            Tensor<T> Read(string name, int length)
            {
                Tensor<T> tensor = tensors.TryGetValue(name, out Tensor<T>? found) ? found : throw Bad($"tensor '{name}' is missing; the backup was made for another model.");
                return tensor.Length == length ? tensor : throw Bad($"tensor '{name}' has {tensor.Length} values, the model needs {length}; the backup was made for another model.");
            }
            int expectedTensors = parameters.Count + slots.Sum(s => s.Length);
            if (tensors.Count != expectedTensors) throw Bad($"{tensors.Count} tensors, the model and optimizer have {expectedTensors}; the backup was made for another model.");
            var restoredSlots = new T[parameters.Count][][];
            for (int p = 0; p < parameters.Count; p++)
            {
                Read($"weight/{p}", parameters[p].Value.Length).Span.CopyTo(parameters[p].Value.Span);
                restoredSlots[p] = Enumerable.Range(0, slots[p].Length).Select(k => Read($"slot/{p}/{k}", slots[p][k].Length).Data.ToArray()).ToArray();
            }

            Layer<T>[] layers = AllLayers().ToArray();
            JsonArray layerRandoms = state["layer_randoms"]!.AsArray();
            if (layerRandoms.Count != layers.Length) throw Bad($"random states for {layerRandoms.Count} layers, the model has {layers.Length}.");
            JsonArray metrics = state["metrics"]!.AsArray();
            if (metrics.Count != _metrics.Count) throw Bad($"states for {metrics.Count} metrics, the model is compiled with {_metrics.Count}.");

            long iterations = state["iterations"]!.GetValue<long>();
            double learningRate = state["learning_rate"]!.GetValue<double>();
            if (iterations < 0 || !(learningRate >= 0)) throw Bad($"invalid optimizer position (iterations {iterations}, learning rate {learningRate}).");
            Optimizer.Restore(parameters, iterations, learningRate, restoredSlots);
            for (int i = 0; i < layers.Length; i++) layers[i].RandomState = Ints(layerRandoms[i]);
            _random = Ints(state["shuffle_random"]) is int[] shuffle ? Randomness.ResumableRandom.FromState(shuffle) : null;

            var history = new History();
            JsonNode historyJson = state["history"]!;
            int[] epochs = Ints(historyJson["epochs"])!;
            var columns = historyJson["values"]!.AsObject().ToDictionary(entry => entry.Key, entry => entry.Value!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
            for (int i = 0; i < epochs.Length; i++)
                history.Add(epochs[i], columns.Where(c => c.Value.Length == epochs.Length).ToDictionary(c => c.Key, c => c.Value[i]));
            _history = history;

            int epoch = state["epoch"]!.GetValue<int>();
            if (epoch < 0) throw Bad($"invalid epoch {epoch}.");
            _resumeAt = new EpochProgress(epoch, Ints(state["order"]))
            {
                NextBatch = state["next_batch"]!.GetValue<int>(),
                LossSum = state["loss_sum"]!.GetValue<double>(),
                Seen = state["seen"]!.GetValue<int>(),
                MetricStates = metrics.Select(m => m is null ? null : m.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray(),
            };
            _resumeSource = path;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            throw Bad($"the backup state is malformed ({e.Message}).");
        }
    }

    private static int[]? Ints(JsonNode? node) => node?.AsArray().Select(v => v!.GetValue<int>()).ToArray();

    private string? _resumeSource;

    // A restored position must fit the data and batch size of this Fit; a backup of another run would silently
    // train on the wrong samples.
    private void CheckResumePosition(int trainingSamples, int batchSize)
    {
        if (_resumeAt is not EpochProgress resume) return;
        string Where() => _resumeSource ?? "the backup";
        if (resume.Order is int[] order)
        {
            if (order.Length != trainingSamples || order.Any(i => i < 0 || i >= trainingSamples))
                throw new InvalidModelFileException($"{Where()}: the backup's epoch covers {order.Length} training samples, this Fit has {trainingSamples}; it was made for other data.");
            if (resume.NextBatch < 0 || (long)resume.NextBatch * batchSize > trainingSamples + batchSize - 1 || resume.Seen < 0)
                throw new InvalidModelFileException($"{Where()}: batch {resume.NextBatch} does not exist with {trainingSamples} samples in batches of {batchSize}.");
        }
    }
}
