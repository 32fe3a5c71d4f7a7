using System.Numerics;
using Recurrent.Cells;
using Recurrent.Initializers;
using Recurrent.Tensors;

namespace Recurrent.Layers;

/// <summary>What a recurrent layer returns: its output(s) and its final states.</summary>
/// <param name="Outputs">The output: [B, T, H] with return_sequences, else [B, H] (two tensors for Bidirectional with merge_mode none).</param>
/// <param name="States">The final states, [B, H] each (h, or h and c for LSTM; forward then backward for Bidirectional).</param>
public sealed record RecurrentOutput<T>(IReadOnlyList<Tensor<T>> Outputs, IReadOnlyList<Tensor<T>> States)
    where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The first (usually the only) output.</summary>
    public Tensor<T> Output => Outputs[0];
}

/// <summary>What a recurrent layer's backward pass returns.</summary>
/// <param name="Input">dLoss/d(input), [B, T, I].</param>
/// <param name="InitialStates">dLoss/d(initial states), [B, H] each, in the order the states were given.</param>
public sealed record RecurrentGradients<T>(Tensor<T> Input, IReadOnlyList<Tensor<T>> InitialStates)
    where T : struct, IFloatingPointIeee754<T>;

/// <summary>
/// The generic recurrent layer (Keras' <c>RNN</c>): runs a <see cref="RecurrentCell{T}"/> over a sequence and owns
/// everything about sequences — <c>return_sequences</c>, <c>return_state</c>, <c>initial_state</c>,
/// <c>go_backwards</c> and masking with Keras semantics (a masked step carries the states over and repeats the
/// previous output, or zeros when nothing was output yet or <c>zero_output_for_mask</c> is set).
/// </summary>
public abstract class RecurrentLayer<T> : Layer<T>, ISequenceLayer<T> where T : struct, IFloatingPointIeee754<T>
{
    private RecurrentCell<T>? _cell;
    // The buffers of the last forward pass, and those of the last two sequence shapes (kept for reuse).
    private SequenceBuffers<T>? _buffers;
    private ShapeCache<SequenceBuffers<T>> _bufferCache = new();
    // Forward facts the backward pass needs: which (step, row) pairs are masked and which emit the state as output.
    private bool[] _stepMasked = [];
    private bool[] _emitsState = [];
    private bool _hasMask;
    private Tensor<T>[]? _carriedStates;
    private T[][] _maskedStateGradients = [];
    // Reused from one training step to the next (see Layer.Forward): the result of training calls, the input
    // gradient of Backward and the dropout masks.
    private readonly ShapeCache<RecurrentOutput<T>> _trainingResults = new();
    private readonly ShapeCache<Tensor<T>> _inputGradient = new();
    private readonly ShapeCache<RecurrentGradients<T>> _sequenceGradients = new();
    private T[][]? _inputMasks, _recurrentMasks;

    /// <summary>Sets the options shared by every recurrent layer.</summary>
    protected RecurrentLayer(int units, bool returnSequences, bool returnState, bool goBackwards, bool useBias,
        Initializer kernelInitializer, Initializer recurrentInitializer, Initializer biasInitializer, int? seed,
        string? name, string prefix, double dropout = 0, double recurrentDropout = 0, bool stateful = false) : base(name, prefix, seed)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, $"{Name}: units must be positive.");
        if (dropout is < 0 or > 1 || double.IsNaN(dropout)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{Name}: dropout must be in [0, 1].");
        if (recurrentDropout is < 0 or > 1 || double.IsNaN(recurrentDropout)) throw new ArgumentOutOfRangeException(nameof(recurrentDropout), recurrentDropout, $"{Name}: recurrent_dropout must be in [0, 1].");
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
        Stateful = stateful;
        Units = units;
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        UseBias = useBias;
        KernelInitializer = kernelInitializer;
        RecurrentInitializer = recurrentInitializer;
        BiasInitializer = biasInitializer;
    }

    /// <summary>Hidden size H.</summary>
    public int Units { get; }

    /// <summary>Return the output of every step ([B, T, H]) instead of the last one ([B, H]).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Also return the final states (used by <see cref="ForwardSequence"/>).</summary>
    public bool ReturnState { get; }

    /// <summary>Process the sequence from the last step to the first; the outputs come in that processing order, as in Keras.</summary>
    public bool GoBackwards { get; }

    /// <summary>
    /// Fraction of the input features dropped in training. As in Keras, one mask per sequence (per batch row and
    /// feature) is drawn and reused at every step; without recurrent dropout all gates share it.
    /// </summary>
    public double Dropout { get; }

    /// <summary>
    /// Fraction of the recurrent state dropped in training, one mask per sequence reused at every step. As in Keras 3.8+,
    /// each gate block then has its own input and recurrent masks, and the dropped state enters only the recurrent products.
    /// </summary>
    public double RecurrentDropout { get; }

    /// <summary>
    /// Keep the final states of each batch as the initial states of the next (for streaming one chunk at a time);
    /// <see cref="ResetStates"/> starts over from zeros.
    /// </summary>
    public bool Stateful { get; }

    /// <summary>Whether the cell has a bias.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the recurrent kernel.</summary>
    public Initializer RecurrentInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Output zeros (instead of the previous output) at masked steps; Bidirectional sets it when returning sequences.</summary>
    internal bool ZeroOutputForMask { get; set; }

    /// <summary>The cell, once built.</summary>
    public RecurrentCell<T> Cell => _cell ?? throw new InvalidOperationException($"{Name}: the layer is not built yet (call Build or Forward first).");

    /// <summary>Names of the states in order, for messages ("h", or "h", "c").</summary>
    protected virtual IReadOnlyList<string> StateNames => Hidden;

    private static readonly string[] Hidden = ["h"];

    /// <summary>How many states the layer carries (known before it is built).</summary>
    internal int StateCount => StateNames.Count;

    /// <inheritdoc/>
    public override bool IsBuilt => _cell is not null;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _cell?.Parameters ?? [];

    /// <inheritdoc/>
    public override void Build(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 2)
            throw new ShapeException($"{Name}: expected input of rank 3 [batch, time, features], got shape [batch, {string.Join(", ", inputShape.ToArray())}].");
        Build(inputShape[1]);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) =>
        ReturnSequences ? [inputShape[0], Units] : [Units];

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool[,]? mask, bool training, out bool[,]? outputMask)
    {
        outputMask = ReturnSequences ? mask : null;
        return training ? ForwardTraining(input, null, mask).Output : ForwardSequence(input, mask: mask).Output;
    }

    /// <summary>
    /// <see cref="ForwardSequence"/> in training, into the layer's own output and state tensors (kept for the last two
    /// shapes), so a training step allocates nothing; the next training call overwrites them.
    /// </summary>
    internal RecurrentOutput<T> ForwardTraining(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState, bool[,]? mask)
    {
        RecurrentOutput<T>? kept = input.Rank != 3 || !IsBuilt ? null : _trainingResults.Find((Layer: this, Batch: input.Dim(0), Steps: input.Dim(1)),
            static (result, key) => key.Layer.Reusable(result, key.Batch, key.Steps, key.Layer.Cell.StateCount));
        RecurrentOutput<T> result = ForwardSequence(input, initialState, mask, training: true, reuse: kept);
        if (result != kept) _trainingResults.Add(result);
        return result;
    }

    /// <summary>Creates and initialises the weights for inputs with <paramref name="inputSize"/> features per step.</summary>
    public void Build(int inputSize)
    {
        if (inputSize <= 0) throw new ShapeException($"{Name}: input feature size must be positive, got {inputSize}.");
        _cell = CreateCell(inputSize);
        _bufferCache = new();
        KernelInitializer.Fill(_cell.Kernel.Value, Random);
        RecurrentInitializer.Fill(_cell.RecurrentKernel.Value, Random);
        if (_cell.Bias is not null) InitializeBias(_cell.Bias.Value, Random);
    }

    /// <summary>Creates the cell (zero weights) for the given input size.</summary>
    protected abstract RecurrentCell<T> CreateCell(int inputSize);

    /// <summary>Fills the bias; LSTM overrides it for <c>unit_forget_bias</c>.</summary>
    protected virtual void InitializeBias(Tensor<T> bias, Random random) => BiasInitializer.Fill(bias, random);

    /// <summary>A new unbuilt layer with the same configuration, another name and direction, seeded with Seed + 1 so the two directions of a Bidirectional start apart.</summary>
    protected internal abstract RecurrentLayer<T> CloneWith(string name, bool goBackwards);

    /// <inheritdoc/>
    protected override void BuildFromWeights(IReadOnlyList<Tensor<T>> weights)
    {
        if (weights.Count == 0 || weights[0].Rank != 2)
            throw new ShapeException($"{Name}: SetWeights on an unbuilt layer needs a kernel of rank 2 [input, G·units] first, got {(weights.Count == 0 ? "no weights" : weights[0].ShapeText)}.");
        Build(weights[0].Dim(0));
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input, bool training = false) => Forward(input, null, training, out _);

    /// <inheritdoc/>
    public override Tensor<T> Backward(Tensor<T> outputGradient)
    {
        BackwardThroughTime(outputGradient, null, inputGradient: true);
        SequenceBuffers<T> buffers = _buffers!;
        Tensor<T> inputGradient = _inputGradient.Get([buffers.Batch, buffers.Steps, Cell.InputSize]);
        CopyInputGradient(inputGradient);
        return inputGradient;
    }

    /// <inheritdoc/>
    protected internal override void BackwardWithoutInputGradient(Tensor<T> outputGradient) =>
        BackwardThroughTime(outputGradient, null, inputGradient: false);

    /// <summary>
    /// Runs the layer over <paramref name="input"/> [B, T, I], starting from <paramref name="initialState"/> ([B, H] each;
    /// zeros when null) with an optional <paramref name="mask"/> [B, T] (false = padded step).
    /// </summary>
    /// <remarks>
    /// Pass the result of the previous call as <paramref name="reuse"/> to have it overwritten instead of allocating
    /// new output and state tensors: with the same shapes, a call then allocates nothing.
    /// </remarks>
    /// <exception cref="ShapeException">A shape does not fit; the message names the layer and both shapes.</exception>
    public RecurrentOutput<T> ForwardSequence(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState = null,
        bool[,]? mask = null, bool training = false, RecurrentOutput<T>? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3)
            throw new ShapeException($"{Name}: expected input of rank 3 [batch, time, features], got shape {input.ShapeText}.");
        int batch = input.Dim(0), steps = input.Dim(1), features = input.Dim(2);
        if (!IsBuilt) Build(features);
        RecurrentCell<T> cell = Cell;
        if (features != cell.InputSize)
            throw new ShapeException($"{Name}: expected input shape [batch, time, {cell.InputSize}], got {input.ShapeText}.");
        if (steps == 0 || batch == 0)
            throw new ShapeException($"{Name}: expected at least one sequence of at least one step, got shape {input.ShapeText}.");
        CheckInitialState(initialState, batch);
        if (mask is not null && (mask.GetLength(0) != batch || mask.GetLength(1) != steps))
            throw new ShapeException($"{Name}: mask expected shape [{batch}, {steps}], got [{mask.GetLength(0)}, {mask.GetLength(1)}].");

        _buffers = _bufferCache.Find((batch, steps), static (kept, shape) => kept.Batch == shape.batch && kept.Steps == shape.steps)
            ?? _bufferCache.Add(cell.CreateBuffers(batch, steps));
        SequenceBuffers<T> buffers = _buffers;
        int units = Units;
        if (Stateful && initialState is null && _carriedStates is not null)
        {
            if (_carriedStates[0].Dim(0) != batch)
                throw new ShapeException($"{Name}: a stateful layer keeps states for batch size {_carriedStates[0].Dim(0)}, got a batch of {batch}; call ResetStates to change it.");
            initialState = _carriedStates;
        }
        buffers.SetDropoutMasks(training ? DropoutMasks(batch, features, cell.GateCount) : null,
            training ? RecurrentDropoutMasks(batch, cell.GateCount) : null);

        // Inputs in processing order, time-major: row s·B + b is x[b, t(s)].
        for (int s = 0; s < steps; s++)
            for (int b = 0; b < batch; b++)
                input.Data.AsSpan((b * steps + TimeOf(s, steps)) * features, features)
                    .CopyTo(buffers.Inputs.AsSpan((s * batch + b) * features));
        cell.ProjectInputs(buffers);
        for (int k = 0; k < cell.StateCount; k++)
        {
            Span<T> state = buffers.State(k, 0, units);
            if (initialState is null) state.Clear();
            else initialState[k].Span.CopyTo(state);
        }
        PrepareMask(mask, batch, steps);

        for (int s = 0; s < steps; s++)
        {
            cell.ForwardStep(buffers, s);
            if (!_hasMask) continue;
            for (int b = 0; b < batch; b++)
                if (_stepMasked[s * batch + b])
                    for (int k = 0; k < cell.StateCount; k++)
                        buffers.State(k, s, units).Slice(b * units, units).CopyTo(buffers.State(k, s + 1, units).Slice(b * units, units));
        }

        bool reusable = Reusable(reuse, batch, steps, cell.StateCount);
        Tensor<T> output = reusable ? reuse!.Output : ReturnSequences ? Tensor<T>.Zeros(batch, steps, Units) : Tensor<T>.Zeros(batch, Units);
        if (reusable && _hasMask) output.Span.Clear();
        for (int s = ReturnSequences ? 0 : steps - 1; s < steps; s++)
        {
            ReadOnlySpan<T> hidden = buffers.State(0, s + 1, units);
            for (int b = 0; b < batch; b++)
            {
                if (!_emitsState[s * batch + b]) continue;
                int offset = ReturnSequences ? (b * steps + s) * units : b * units;
                hidden.Slice(b * units, units).CopyTo(output.Data.AsSpan(offset, units));
            }
        }
        if (Stateful) CarryStates(buffers, batch);
        if (reusable)
        {
            for (int k = 0; k < cell.StateCount; k++) buffers.State(k, steps, units).CopyTo(reuse!.States[k].Span);
            return reuse!;
        }
        var states = new Tensor<T>[cell.StateCount];
        for (int k = 0; k < states.Length; k++)
            states[k] = Tensor<T>.FromValues(buffers.State(k, steps, units), batch, units);
        return new RecurrentOutput<T>([output], states);
    }

    // A stateful layer keeps the final states for the next call, in its own tensors (reused while the batch size holds).
    private void CarryStates(SequenceBuffers<T> buffers, int batch)
    {
        int count = buffers.States.Length;
        if (_carriedStates is null || _carriedStates.Length != count || _carriedStates[0].Dim(0) != batch)
            _carriedStates = StateTensors(batch);
        for (int k = 0; k < count; k++) buffers.State(k, buffers.Steps, Units).CopyTo(_carriedStates[k].Span);
    }

    // Whether a previous result has exactly the shapes this call produces (checked without allocating).
    private bool Reusable(RecurrentOutput<T>? reuse, int batch, int steps, int stateCount)
    {
        if (reuse is null || reuse.Outputs.Count != 1 || reuse.States.Count != stateCount) return false;
        Tensor<T> output = reuse.Output;
        bool outputFits = ReturnSequences
            ? output.Rank == 3 && output.Dim(0) == batch && output.Dim(1) == steps && output.Dim(2) == Units
            : output.Rank == 2 && output.Dim(0) == batch && output.Dim(1) == Units;
        if (!outputFits) return false;
        for (int k = 0; k < stateCount; k++)
            if (reuse.States[k].Rank != 2 || reuse.States[k].Dim(0) != batch || reuse.States[k].Dim(1) != Units) return false;
        return true;
    }

    /// <summary>Forgets the states a stateful layer carried over (the next batch starts from zeros).</summary>
    public void ResetStates() => _carriedStates = null;

    // Keras: LSTM and GRU apply dropout only for 0 < rate < 1; masks are 0 or 1/(1 − rate).
    private T[][]? DropoutMasks(int batch, int features, int gates)
    {
        if (Dropout is <= 0 or >= 1) return null;
        bool perGate = RecurrentDropout is > 0 and < 1;
        return DrawMasks(ref _inputMasks, gates, batch * features, Dropout, shared: !perGate);
    }

    private T[][]? RecurrentDropoutMasks(int batch, int gates)
    {
        if (RecurrentDropout is <= 0 or >= 1) return null;
        return DrawMasks(ref _recurrentMasks, gates, batch * Units, RecurrentDropout, shared: false);
    }

    // New masks for this pass, one per gate block (all blocks the first one's when shared), drawn in block order into
    // arrays kept while the size holds.
    private T[][] DrawMasks(ref T[][]? masks, int gates, int length, double rate, bool shared)
    {
        if (masks is null || masks[0].Length != length)
        {
            masks = new T[gates][];
            for (int g = 0; g < gates; g++) masks[g] = shared && g > 0 ? masks[0] : new T[length];
        }
        T kept = T.CreateChecked(1 / (1 - rate));
        for (int g = 0; g < (shared ? 1 : gates); g++)
            for (int i = 0; i < length; i++) masks[g][i] = Random.NextDouble() < rate ? T.Zero : kept;
        return masks;
    }

    /// <summary>
    /// Backpropagates through the last <see cref="ForwardSequence"/>: from dLoss/d(output) (null = zero) and
    /// dLoss/d(final states) (null or null entries = zero) to dLoss/d(input) and dLoss/d(initial states);
    /// weight gradients are accumulated into the parameters. The returned tensors are the layer's own: its next
    /// backward pass overwrites them (copy them to keep the values).
    /// </summary>
    public RecurrentGradients<T> BackwardSequence(Tensor<T>? outputGradient, IReadOnlyList<Tensor<T>?>? stateGradients = null)
    {
        BackwardThroughTime(outputGradient, stateGradients, inputGradient: true);
        SequenceBuffers<T> buffers = _buffers!;
        Tensor<T> inputGradient = _inputGradient.Get([buffers.Batch, buffers.Steps, Cell.InputSize]);
        CopyInputGradient(inputGradient);
        // Reused with the input gradient it was made for, so a training step allocates nothing here.
        RecurrentGradients<T> result = _sequenceGradients.Find(inputGradient, static (r, input) => ReferenceEquals(r.Input, input))
            ?? _sequenceGradients.Add(new RecurrentGradients<T>(inputGradient, StateTensors(buffers.Batch)));
        for (int k = 0; k < Cell.StateCount; k++) buffers.StateGradients[k].AsSpan(0, buffers.Batch * Units).CopyTo(result.InitialStates[k].Span);
        return result;
    }

    // New [batch, units] tensors, one per state (a method of its own: a lambda in the caller would capture its locals
    // and allocate their closure on every call).
    private Tensor<T>[] StateTensors(int batch)
    {
        var states = new Tensor<T>[Cell.StateCount];
        for (int k = 0; k < states.Length; k++) states[k] = Tensor<T>.Zeros(batch, Units);
        return states;
    }

    // The sweep behind BackwardSequence: leaves dLoss/d(initial states) in the buffers' StateGradients and, with
    // inputGradient, dLoss/dx in their InputGradient (processing order).
    private void BackwardThroughTime(Tensor<T>? outputGradient, IReadOnlyList<Tensor<T>?>? stateGradients, bool inputGradient)
    {
        SequenceBuffers<T> buffers = _buffers ?? throw new InvalidOperationException($"{Name}: Backward called before Forward.");
        RecurrentCell<T> cell = Cell;
        int batch = buffers.Batch, steps = buffers.Steps, units = Units;
        if (outputGradient is not null)
        {
            if (ReturnSequences) outputGradient.RequireShape(Name, "output gradient", batch, steps, units);
            else outputGradient.RequireShape(Name, "output gradient", batch, units);
        }
        if (stateGradients is not null && stateGradients.Count != cell.StateCount)
            throw new ShapeException($"{Name}: expected {cell.StateCount} state gradients ({string.Join(", ", StateNames)}), got {stateGradients.Count}.");
        for (int k = 0; k < cell.StateCount; k++)
        {
            Tensor<T>? gradient = stateGradients?[k];
            if (gradient is null) buffers.StateGradients[k].AsSpan().Clear();
            else
            {
                if (!gradient.HasShape([batch, units])) gradient.RequireShape(Name, $"gradient of state {StateNames[k]}", batch, units);
                gradient.Span.CopyTo(buffers.StateGradients[k]);
            }
        }

        cell.StartBackward();
        for (int s = steps - 1; s >= 0; s--)
        {
            // An output that repeats the state is the state: its gradient joins the state's (and so reaches the
            // last unmasked step through the masked pass-through below).
            if (outputGradient is not null && (ReturnSequences || s == steps - 1))
            {
                Span<T> dh = buffers.StateGradients[0];
                for (int b = 0; b < batch; b++)
                {
                    if (!_emitsState[s * batch + b]) continue;
                    int offset = ReturnSequences ? (b * steps + s) * units : b * units;
                    ReadOnlySpan<T> g = outputGradient.Data.AsSpan(offset, units);
                    Span<T> row = dh.Slice(b * units, units);
                    for (int j = 0; j < units; j++) row[j] += g[j];
                }
            }
            if (!_hasMask)
            {
                cell.BackwardStep(buffers, s);
                continue;
            }
            // A masked step copied the states through, so their gradients pass straight through it too.
            for (int b = 0; b < batch; b++)
                if (_stepMasked[s * batch + b])
                    for (int k = 0; k < cell.StateCount; k++)
                    {
                        Span<T> row = buffers.StateGradients[k].AsSpan(b * units, units);
                        row.CopyTo(_maskedStateGradients[k].AsSpan(b * units));
                        row.Clear();
                    }
            cell.BackwardStep(buffers, s);
            for (int b = 0; b < batch; b++)
                if (_stepMasked[s * batch + b])
                    for (int k = 0; k < cell.StateCount; k++)
                        _maskedStateGradients[k].AsSpan(b * units, units).CopyTo(buffers.StateGradients[k].AsSpan(b * units));
        }
        cell.FinishBackward(buffers, inputGradient);
    }

    // dLoss/dx from the buffers (time-major, processing order) into [B, T, I] in input time order.
    private void CopyInputGradient(Tensor<T> inputGradient)
    {
        SequenceBuffers<T> buffers = _buffers!;
        int batch = buffers.Batch, steps = buffers.Steps, features = Cell.InputSize;
        for (int s = 0; s < steps; s++)
            for (int b = 0; b < batch; b++)
                buffers.InputGradient.AsSpan((s * batch + b) * features, features)
                    .CopyTo(inputGradient.Data.AsSpan((b * steps + TimeOf(s, steps)) * features));
    }

    RecurrentOutput<T> ISequenceLayer<T>.ForwardSequence(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState, bool[,]? mask, bool training) =>
        ForwardSequence(input, initialState, mask, training);

    RecurrentGradients<T> ISequenceLayer<T>.BackwardSequence(IReadOnlyList<Tensor<T>?> outputGradients, IReadOnlyList<Tensor<T>?>? stateGradients)
    {
        if (outputGradients.Count != 1)
            throw new ShapeException($"{Name}: expected 1 output gradient, got {outputGradients.Count}.");
        return BackwardSequence(outputGradients[0], stateGradients);
    }

    private int TimeOf(int step, int steps) => GoBackwards ? steps - 1 - step : step;

    private void CheckInitialState(IReadOnlyList<Tensor<T>>? initialState, int batch)
    {
        if (initialState is null) return;
        IReadOnlyList<string> names = StateNames;
        if (initialState.Count != names.Count)
            throw new ShapeException($"{Name}: expected {names.Count} initial state tensor(s) ({string.Join(", ", names)}), got {initialState.Count}.");
        for (int k = 0; k < names.Count; k++)
            if (!initialState[k].HasShape([batch, Units]))   // the message is built only for a misfit: decoding steps allocate nothing
                initialState[k].RequireShape(Name, $"initial_state[{k}] ({names[k]})", batch, Units);
    }

    // Which (step, row) pairs are masked, and which output the current state rather than zeros (TensorFlow's rule:
    // a masked step repeats the previous output, which is zero until the row's first unmasked step).
    private void PrepareMask(bool[,]? mask, int batch, int steps)
    {
        _hasMask = mask is not null;
        if (_stepMasked.Length < steps * batch)
        {
            _stepMasked = new bool[steps * batch];
            _emitsState = new bool[steps * batch];
        }
        if (mask is null)
        {
            Array.Fill(_emitsState, true);
            return;
        }
        if (_maskedStateGradients.Length != Cell.StateCount || _maskedStateGradients[0].Length < batch * Units)
        {
            _maskedStateGradients = new T[Cell.StateCount][];
            for (int k = 0; k < _maskedStateGradients.Length; k++) _maskedStateGradients[k] = new T[batch * Units];
        }
        for (int b = 0; b < batch; b++)
        {
            bool seenUnmasked = false;
            for (int s = 0; s < steps; s++)
            {
                bool masked = !mask[b, TimeOf(s, steps)];
                seenUnmasked |= !masked;
                _stepMasked[s * batch + b] = masked;
                _emitsState[s * batch + b] = !masked || (seenUnmasked && !ZeroOutputForMask);
            }
        }
    }
}
