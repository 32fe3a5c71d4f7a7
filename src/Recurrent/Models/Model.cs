using System.Diagnostics;
using System.Numerics;
using Recurrent.Callbacks;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Metrics;
using Recurrent.Optimizers;
using Recurrent.Randomness;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// What every model shares, as Keras' <c>Model</c>: compile, fit, evaluate, predict, train on a batch, weights and
/// summary. A concrete model (<see cref="Functional{T}"/>, and <see cref="Sequential{T}"/>, its linear case) supplies
/// the forward and backward pass of one batch.
/// </summary>
public abstract partial class Model<T> : ITrainingContext where T : struct, IFloatingPointIeee754<T>
{
    private ResumableRandom? _random;
    private Optimizer? _optimizer;
    private Loss? _loss;
    private List<Metric> _metrics = [];
    private (int Epochs, int StepsPerEpoch) _plan;

    // Training workspaces, kept from one step to the next so that a step allocates nothing in steady state.
    private readonly Dictionary<(int Slot, int Rows), Tensor<T>> _batchBuffers = [];
    private readonly List<Parameter<T>> _trainable = [];
    private readonly ShapeCache<Tensor<T>> _lossGradient = new();
    private T[] _lossWeights = [], _metricWeights = [];
    private (Loss Loss, string Activation, Loss? Fused)? _fusedLoss;
    private SortedDictionary<string, double>? _batchLogs;
    private readonly EpochProgress _batchProgress = new(0, null);

    /// <summary>Names the model and fixes its seed (null: random).</summary>
    protected Model(string? name, string prefix, int? seed)
    {
        Name = name ?? prefix;
        Seed = seed;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Seed for everything random in the model: layers without a seed of their own get one derived from it
    /// (initial weights, dropout), and so does the shuffling in <c>Fit</c>. Same seed, same results.
    /// </summary>
    public int? Seed { get; }

    /// <summary>The layers in order.</summary>
    public abstract IReadOnlyList<Layer<T>> Layers { get; }

    /// <summary>The (first) input's shape without the batch axis (−1 where any size is accepted), once built.</summary>
    public int[]? InputShape => InputShapes?[0];

    /// <summary>Every input's shape without the batch axis, in input order, once built.</summary>
    public IReadOnlyList<int[]>? InputShapes { get; protected set; }

    /// <summary>True once every layer has its weights.</summary>
    public bool IsBuilt => InputShapes is not null;

    /// <summary>Creates all weights for inputs of <paramref name="inputShape"/> (without the batch axis).</summary>
    public abstract void Build(params int[] inputShape);

    /// <summary>
    /// Runs one batch (one tensor per input) forward and returns every output; <paramref name="mask"/> is the mask of
    /// the first output (null when none). The list may be one the model reuses for its next call.
    /// </summary>
    protected abstract IReadOnlyList<Tensor<T>> ForwardBatch(IReadOnlyList<Tensor<T>> inputs, bool training, out bool[,]? mask);

    /// <summary>Runs one batch backward from dLoss/d(first output) (or from dLoss/d(its pre-activation) when fused).</summary>
    protected abstract void BackwardBatch(Tensor<T> gradient, bool intoPreActivation);

    /// <summary>The output layer when a cross-entropy loss can be fused with its activation, else null.</summary>
    protected abstract IFusedOutput<T>? FusableOutput { get; }

    /// <summary>All weights of all layers (a shared layer's once).</summary>
    public IReadOnlyList<Parameter<T>> Parameters => Layers.SelectMany(l => l.Parameters).ToArray();

    /// <summary>Weights updated by the optimizer (those of trainable layers).</summary>
    public IReadOnlyList<Parameter<T>> TrainableParameters => Layers.Where(l => l.Trainable).SelectMany(l => l.Parameters).ToArray();

    /// <summary>Copies of every weight, layer by layer in Keras order.</summary>
    public IReadOnlyList<Tensor<T>> GetWeights() => Parameters.Select(p => p.Value.Clone()).ToArray();

    /// <summary>Sets every weight from a list in the order of <see cref="GetWeights"/>.</summary>
    /// <exception cref="ShapeException">Wrong count or shape; the message names the layer and weight.</exception>
    public void SetWeights(IReadOnlyList<Tensor<T>> weights)
    {
        RequireBuilt("SetWeights");
        int total = Parameters.Count, offset = 0;
        if (weights.Count != total)
            throw new ShapeException($"{Name}: SetWeights expected {total} weights, got {weights.Count}.");
        foreach (Layer<T> layer in Layers)
        {
            int count = layer.Parameters.Count;
            layer.SetWeights(weights.Skip(offset).Take(count).ToArray());
            offset += count;
        }
    }

    /// <summary>The layer called <paramref name="name"/>.</summary>
    public Layer<T> GetLayer(string name) => Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"{Name}: no layer named '{name}'; layers are {string.Join(", ", Layers.Select(l => l.Name))}.");

    /// <summary>Where <c>Fit</c> and <c>Evaluate</c> write progress (standard output by default).</summary>
    public TextWriter Log { get; set; } = Console.Out;

    /// <summary>The compiled optimizer, or null before <see cref="Compile(Optimizer, Loss, string[])"/>.</summary>
    public Optimizer? CompiledOptimizer => _optimizer;

    /// <summary>The compiled loss, or null before compiling.</summary>
    public Loss? CompiledLoss => _loss;

    /// <summary>The names of the compiled metrics.</summary>
    public IReadOnlyList<string> MetricNames => _metrics.Select(m => m.Name).ToArray();

    /// <summary>The compiled optimizer.</summary>
    public Optimizer Optimizer => _optimizer ?? throw new InvalidOperationException($"{Name}: the model is not compiled; call Compile first.");

    /// <summary>The compiled loss.</summary>
    public Loss Loss => _loss ?? throw new InvalidOperationException($"{Name}: the model is not compiled; call Compile first.");

    /// <summary>Sets the optimizer, the loss and the metrics (Keras names such as "accuracy", "mae").</summary>
    public void Compile(Optimizer optimizer, Loss loss, params string[] metrics)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _metrics = metrics.Select(Metric.FromName).ToList();
        _batchLogs = null;
    }

    /// <summary>Compiles with Keras' names for the optimizer (with its default settings) and the loss.</summary>
    public void Compile(string optimizer, string loss, params string[] metrics) =>
        Compile(optimizer switch
        {
            "sgd" => new Sgd(),
            "adam" => new Adam(),
            "adamw" => new AdamW(),
            "rmsprop" => new RmsProp(),
            "adagrad" => new Adagrad(),
            _ => throw new ArgumentException($"Unknown optimizer '{optimizer}'. Known optimizers: sgd, adam, adamw, rmsprop, adagrad."),
        }, Loss.FromName(loss), metrics);

    /// <summary>Runs the model on <paramref name="x"/> in batches (inference mode) and returns all outputs.</summary>
    /// <remarks>
    /// Thread-safe, as <see cref="PredictOutputs"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public Tensor<T> Predict(Tensor<T> x, int batchSize = 32) => PredictOutputs([x], batchSize)[0];

    /// <summary>Runs a model with several inputs (one tensor per input, in input order) and returns its first output.</summary>
    /// <remarks>Thread-safe, as <see cref="PredictOutputs"/>.</remarks>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public Tensor<T> Predict(IReadOnlyList<Tensor<T>> x, int batchSize = 32) => PredictOutputs(x, batchSize)[0];

    /// <summary>
    /// Runs the model on <paramref name="x"/> (one tensor per input, in input order) in batches, in inference mode,
    /// and returns every output in output order.
    /// </summary>
    /// <remarks>
    /// Thread-safe: concurrent calls run on replicas of the model that share its weights (not copies) and have their
    /// own workspaces, so they give the same bits as serial calls. Models with stateful layers serve one call at a time.
    /// Do not train the model while it predicts.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public IReadOnlyList<Tensor<T>> PredictOutputs(IReadOnlyList<Tensor<T>> x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireBuilt("Predict");
        CheckInputs("Predict", x);
        if (Interlocked.CompareExchange(ref _predicting, 1, 0) == 0)
        {
            try { return PredictBatches(x, batchSize); }
            finally { Volatile.Write(ref _predicting, 0); }
        }
        if (IdleReplicas is not { } replicas)
            lock (_replicaLock) return PredictBatches(x, batchSize);
        Model<T> replica = replicas.TryTake(out Model<T>? idle) ? idle : CreateReplica();
        try { return replica.PredictBatches(x, batchSize); }
        finally { replicas.Add(replica); }
    }

    private Tensor<T>[] PredictBatches(IReadOnlyList<Tensor<T>> x, int batchSize)
    {
        var outputs = new List<List<Tensor<T>>>();
        foreach (int[] batch in Batches(x[0].Dim(0), batchSize, shuffle: false))
        {
            IReadOnlyList<Tensor<T>> results = ForwardBatch(x.Select(input => Gather(input, batch)).ToArray(), training: false, out _);
            for (int k = 0; k < results.Count; k++)
            {
                if (outputs.Count <= k) outputs.Add([]);
                outputs[k].Add(results[k]);
            }
        }
        return outputs.Select(Concatenate).ToArray();
    }

    // Idle replicas for concurrent Predict calls; null when the model cannot have any (stateful layers carry states
    // that must not be split between replicas, or a layer without a configuration), and calls then take turns.
    private int _predicting;
    private readonly object _replicaLock = new();
    private System.Collections.Concurrent.ConcurrentBag<Model<T>>? _replicaBag;
    private bool _replicasChecked;

    private System.Collections.Concurrent.ConcurrentBag<Model<T>>? IdleReplicas
    {
        get
        {
            if (Volatile.Read(ref _replicasChecked)) return _replicaBag;
            lock (_replicaLock)
            {
                if (!_replicasChecked && !AllLayers().Any(l => l is RecurrentLayer<T> { Stateful: true }))
                    try { _replicaBag = [CreateReplica()]; }
                    catch (NotSupportedException) { _replicaBag = null; }
                Volatile.Write(ref _replicasChecked, true);
                return _replicaBag;
            }
        }
    }

    /// <summary>
    /// A model of the same layers whose parameters are this model's own tensors (shared, not copied) and whose
    /// workspaces are separate, for concurrent <c>Predict</c> calls.
    /// </summary>
    /// <exception cref="NotSupportedException">A layer cannot be replicated.</exception>
    protected abstract Model<T> CreateReplica();

    /// <summary>Makes every parameter of <paramref name="replica"/> share this model's tensor (same layers, same order).</summary>
    protected Model<T> ShareParametersWith(Model<T> replica)
    {
        IReadOnlyList<Parameter<T>> mine = Parameters, theirs = replica.Parameters;
        if (mine.Count != theirs.Count) throw new NotSupportedException($"{Name}: a replica has {theirs.Count} weights, the model {mine.Count}.");
        for (int i = 0; i < mine.Count; i++) theirs[i].ShareWith(mine[i]);
        return replica;
    }

    /// <summary>Loss and metrics of the model on (<paramref name="x"/>, <paramref name="y"/>), in inference mode.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor<T> x, Tensor<T> y, int batchSize = 32, Tensor<T>? sampleWeight = null) =>
        Evaluate([x], y, batchSize, sampleWeight);

    /// <summary>Loss and metrics of a model with several inputs (one tensor per input, in input order), in inference mode.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(IReadOnlyList<Tensor<T>> x, Tensor<T> y, int batchSize = 32, Tensor<T>? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireBuilt("Evaluate");
        CheckData("Evaluate", x, y, sampleWeight);
        foreach (Metric metric in _metrics) metric.Reset();
        return RunEpoch(x, y, sampleWeight, new EpochProgress(0, null), batchSize, train: false, null, NewLogs());
    }

    /// <summary>One optimizer step on one batch; returns the loss and metrics of that batch.</summary>
    /// <remarks>
    /// Once the shapes repeat, a call allocates nothing: the returned dictionary is the model's own and the next call
    /// overwrites it, so copy it to keep the values.
    /// </remarks>
    public IReadOnlyDictionary<string, double> TrainOnBatch(Tensor<T> x, Tensor<T> y, Tensor<T>? sampleWeight = null)
    {
        // A list made here would be an allocation per step; the model's one-element list is reused instead.
        _singleInput[0] = x;
        try { return TrainOnBatch(_singleInput, y, sampleWeight); }
        finally { _singleInput[0] = null!; }
    }

    /// <summary>One optimizer step on one batch of a model with several inputs (one tensor per input, in input order).</summary>
    /// <remarks>Allocates nothing once the shapes repeat, as the single-input overload.</remarks>
    public IReadOnlyDictionary<string, double> TrainOnBatch(IReadOnlyList<Tensor<T>> x, Tensor<T> y, Tensor<T>? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!IsBuilt && x.Count == 1) Build(x[0].Shape[1..].ToArray());
        CheckData("TrainOnBatch", x, y, sampleWeight);
        foreach (Metric metric in _metrics) metric.Reset();
        return RunEpoch(x, y, sampleWeight, _batchProgress.Restart(null), x[0].Dim(0), train: true, null, _batchLogs ??= NewLogs());
    }

    private readonly Tensor<T>[] _singleInput = new Tensor<T>[1];

    private void RequireBuilt(string operation)
    {
        if (!IsBuilt)
            throw new InvalidOperationException($"{operation}: model '{Name}' is not built; call Build(inputShape) or Fit first.");
    }

    private ResumableRandom ShuffleRandom => _random ??= new ResumableRandom(Seed is int seed ? unchecked(seed * 31 + 7) : Random.Shared.Next());

    /// <summary>
    /// Gives each unseeded layer a seed derived from the model's, in layer order, and each unseeded wrapped layer
    /// (Bidirectional's directions, TimeDistributed's layer) one derived from its wrapper's (call before building).
    /// </summary>
    protected void SeedLayers()
    {
        if (Seed is not int seed) return;
        for (int i = 0; i < Layers.Count; i++)
        {
            Layers[i].Seed ??= unchecked(seed * 1000003 + i + 1);
            SeedInnerLayers(Layers[i]);
        }
    }

    private static void SeedInnerLayers(Layer<T> owner)
    {
        int j = 0;
        foreach (Layer<T> inner in owner.InnerLayers)
        {
            inner.Seed ??= unchecked(owner.Seed!.Value * 1000003 + ++j);
            SeedInnerLayers(inner);
        }
    }

    string ITrainingContext.Name => Name;
    Optimizer ITrainingContext.Optimizer => Optimizer;
    bool ITrainingContext.StopTraining { get; set; }
    (int Epochs, int StepsPerEpoch) ITrainingContext.Plan => _plan;
    object ITrainingContext.CaptureWeights() => GetWeights();
    void ITrainingContext.RestoreWeights(object snapshot) => SetWeights((IReadOnlyList<Tensor<T>>)snapshot);
    void ITrainingContext.Save(string path) => IO.ModelFile.Save(path, this);
}
