using System.Numerics;
using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Kernels;
using Recurrent.Tensors;

namespace Recurrent.Cells;

/// <summary>
/// The math of one recurrent cell type over a whole sequence: weights in Keras layout, one forward step and
/// one backward step over the batch, and the big matrix products shared by all cells.
/// Following DESIGN.md, the input projection x·kernel of all steps is one GEMM before the time loop, and the
/// weight and input gradients are each one GEMM after the backward sweep; per step only the recurrent
/// product and the gate math remain. Sequence options (direction, masking, states) live in the layer.
/// </summary>
public abstract unsafe class RecurrentCell<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>Creates the cell's weights (zero; the layer initialises them).</summary>
    protected RecurrentCell(int inputSize, int units, int gateCount, bool useBias, int[] biasShape)
    {
        InputSize = inputSize;
        Units = units;
        GateCount = gateCount;
        Kernel = new Parameter<T>("kernel", Tensor<T>.Zeros(inputSize, gateCount * units));
        RecurrentKernel = new Parameter<T>("recurrent_kernel", Tensor<T>.Zeros(units, gateCount * units));
        Bias = useBias ? new Parameter<T>("bias", Tensor<T>.Zeros(biasShape)) : null;
        Parameters = Bias is null ? [Kernel, RecurrentKernel] : [Kernel, RecurrentKernel, Bias];
    }

    /// <summary>Features per step of the input, I.</summary>
    public int InputSize { get; }

    /// <summary>Hidden size H.</summary>
    public int Units { get; }

    /// <summary>Number of gate blocks G (SimpleRNN 1, LSTM 4, GRU 3).</summary>
    public int GateCount { get; }

    /// <summary>Number of state tensors (1, or 2 for LSTM's h and c).</summary>
    public virtual int StateCount => 1;

    /// <summary>Kernel [I, G·H].</summary>
    public Parameter<T> Kernel { get; }

    /// <summary>Recurrent kernel [H, G·H].</summary>
    public Parameter<T> RecurrentKernel { get; }

    /// <summary>Bias, or null when the layer has <c>use_bias=False</c>.</summary>
    public Parameter<T>? Bias { get; }

    /// <summary>The weights in Keras order: kernel, recurrent_kernel, bias.</summary>
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Values per (step, batch row) that <see cref="ForwardStep"/> caches for <see cref="BackwardStep"/>.</summary>
    protected internal abstract int CacheWidth { get; }

    /// <summary>True when dLoss/d(h·R) differs from dLoss/d(x·K) (GRU), so the buffers keep both.</summary>
    protected internal virtual bool HasSeparateRecurrentGradient => false;

    /// <summary>The part of the bias added to the input projection ([G·H]).</summary>
    protected virtual ReadOnlySpan<T> InputBias => Bias is null ? default : Bias.Value.Span;

    /// <summary>Buffers for a sequence of the given size.</summary>
    public SequenceBuffers<T> CreateBuffers(int batch, int steps) => new(this, batch, steps);

    /// <summary>
    /// Projection = Inputs·kernel + input bias for all steps at once. With input dropout, gate block g sees the inputs
    /// times its mask (the same mask at every step), one product per block.
    /// </summary>
    internal void ProjectInputs(SequenceBuffers<T> buffers)
    {
        int rows = buffers.Batch * buffers.Steps, width = GateCount * Units;
        if (buffers.InputMasks is null)
            Gemm.Multiply(false, false, rows, width, InputSize, T.One, buffers.Inputs, InputSize,
                Kernel.Value.Data, width, T.Zero, buffers.Projection, width);
        else
            for (int g = 0; g < GateCount; g++)
                Gemm.Multiply(false, false, rows, Units, InputSize, T.One, MaskedInputs(buffers, g), InputSize,
                    Kernel.Value.Data.AsSpan(g * Units), width, T.Zero, buffers.Projection.AsSpan(g * Units), width);
        ReadOnlySpan<T> bias = InputBias;
        if (bias.IsEmpty) return;
        for (int r = 0; r < rows; r++)
        {
            Span<T> row = buffers.Projection.AsSpan(r * width, width);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// Step s for the whole batch: reads states block s and Projection rows of step s,
    /// writes states block s + 1 and the cache rows of step s.
    /// </summary>
    protected internal abstract void ForwardStep(SequenceBuffers<T> buffers, int s);

    /// <summary>
    /// Backward through step s: on entry StateGradients hold dLoss/d(states after step s); on exit
    /// dLoss/d(states before step s). Writes GateGradient (and RecurrentGradient) rows of step s.
    /// </summary>
    protected internal abstract void BackwardStep(SequenceBuffers<T> buffers, int s);

    /// <summary>
    /// output[B, gates·H] = h·recurrent_kernel[:, gate blocks firstGate…] + beta·output (row stride ldc). With recurrent
    /// dropout, gate block g multiplies h ⊙ its mask instead (Keras: the dropped state enters only the products).
    /// </summary>
    protected void RecurrentProduct(SequenceBuffers<T> buffers, ReadOnlySpan<T> hidden, int firstGate, int gates, Span<T> output, int ldc, T beta)
    {
        int batch = buffers.Batch, h = Units, width = GateCount * h;
        ReadOnlySpan<T> kernel = RecurrentKernel.Value.Span;
        if (buffers.RecurrentMasks is null)
        {
            Gemm.Multiply(false, false, batch, gates * h, h, T.One, hidden, h, kernel[(firstGate * h)..], width, beta, output, ldc);
            return;
        }
        Span<T> masked = buffers.MaskedHidden;
        for (int g = 0; g < gates; g++)
        {
            TensorPrimitives.Multiply(hidden[..(batch * h)], buffers.RecurrentMasks[firstGate + g], masked);
            Gemm.Multiply(false, false, batch, h, h, T.One, masked, h, kernel[((firstGate + g) * h)..], width, beta, output[(g * h)..], ldc);
        }
    }

    // Below this many gate values per step, handing half the rows to the other core costs about what it saves. At the
    // threshold (SimpleRNN medium, 32 × 256) the split measured +7.6 % for inference and no change for training.
    private const int ParallelRowsThreshold = 8192;

    /// <summary>
    /// Runs <c>pass(this, buffers, s, first, count)</c> over the batch rows of step s: the step's element-wise work,
    /// split into contiguous row ranges over the GEMM worker pool when the step is large (otherwise one core would
    /// compute every gate while the other waits for the next product). Every row goes through the same operations
    /// whatever the split, so results do not depend on the thread count.
    /// </summary>
    protected void ForEachRowRange(SequenceBuffers<T> buffers, int s,
        delegate*<RecurrentCell<T>, SequenceBuffers<T>, int, int, int, void> pass)
    {
        int batch = buffers.Batch;
        int threads = (long)batch * GateCount * Units >= ParallelRowsThreshold ? Math.Min(Gemm.MaxDegreeOfParallelism, batch) : 1;
        if (threads <= 1)
        {
            pass(this, buffers, s, 0, batch);
            return;
        }
        var job = new RowRangeJob { Cell = this, Buffers = buffers, Step = s, Pass = pass, RowsPerPart = (batch + threads - 1) / threads };
        int parts = (batch + job.RowsPerPart - 1) / job.RowsPerPart;
        // The job lives on this stack frame until For returns, so its address stays valid for the workers.
        WorkerPool.For(parts, parts, &RunRowRange, Unsafe.AsPointer(ref job));
    }

    private struct RowRangeJob
    {
        public RecurrentCell<T> Cell;
        public SequenceBuffers<T> Buffers;
        public int Step, RowsPerPart;
        public delegate*<RecurrentCell<T>, SequenceBuffers<T>, int, int, int, void> Pass;
    }

    private static void RunRowRange(void* context, int part)
    {
        ref RowRangeJob job = ref Unsafe.AsRef<RowRangeJob>(context);
        int first = part * job.RowsPerPart;
        job.Pass(job.Cell, job.Buffers, job.Step, first, Math.Min(job.RowsPerPart, job.Buffers.Batch - first));
    }

    // Rᵀ [G·H, H], refreshed at the start of every backward sweep so each step's dh product reads it in place. Multiplying
    // by a transposed R instead repacked all of R at every step: measured 64 × 1024 × 1024 in 550–600 µs against 410 µs,
    // and at batch sizes up to 16 (dot products) 16 × 128 × 512 in 28 µs against 7 µs.
    private T[]? _transposedRecurrentKernel;

    /// <summary>Prepares the backward sweep over the steps: transposes the recurrent kernel for <see cref="RecurrentProductBackward"/>.</summary>
    internal void StartBackward()
    {
        int h = Units, width = GateCount * h;
        _transposedRecurrentKernel ??= new T[width * h];
        Transpose.Matrix<T>(RecurrentKernel.Value.Span, h, width, _transposedRecurrentKernel);
    }

    /// <summary>
    /// The backward of <see cref="RecurrentProduct"/> for dh: hiddenGradient = Σ_g (dOut_g · R_gᵀ) ⊙ mask_g + beta·hiddenGradient,
    /// where outputGradient holds the gradients of gate blocks firstGate… with row stride ldo.
    /// </summary>
    protected void RecurrentProductBackward(SequenceBuffers<T> buffers, ReadOnlySpan<T> outputGradient, int ldo, int firstGate, int gates,
        Span<T> hiddenGradient, T beta)
    {
        int batch = buffers.Batch, h = Units;
        ReadOnlySpan<T> transposed = _transposedRecurrentKernel ?? throw new InvalidOperationException("RecurrentCell: StartBackward was not called.");
        if (buffers.RecurrentMasks is null)
        {
            Gemm.Multiply(false, false, batch, h, gates * h, T.One, outputGradient, ldo, transposed[(firstGate * h * h)..], h, beta, hiddenGradient, h);
            return;
        }
        if (beta == T.Zero) hiddenGradient[..(batch * h)].Clear();
        Span<T> product = buffers.MaskedHidden;
        for (int g = 0; g < gates; g++)
        {
            Gemm.Multiply(false, false, batch, h, h, T.One, outputGradient[(g * h)..], ldo, transposed[((firstGate + g) * h * h)..], h, T.Zero, product, h);
            TensorPrimitives.MultiplyAdd(product, buffers.RecurrentMasks[firstGate + g], hiddenGradient[..(batch * h)], hiddenGradient[..(batch * h)]);
        }
    }

    /// <summary>
    /// After the backward sweep: accumulate weight gradients and, when <paramref name="inputGradient"/> is set, compute
    /// InputGradient, each as one GEMM (per gate block with dropout).
    /// </summary>
    internal void FinishBackward(SequenceBuffers<T> buffers, bool inputGradient)
    {
        int rows = buffers.Batch * buffers.Steps, width = GateCount * Units;
        if (buffers.InputMasks is null)
        {
            // dKernel += xᵀ · dGates over all steps; dx = dGates · kernelᵀ.
            Gemm.Multiply(true, false, InputSize, width, rows, T.One, buffers.Inputs, InputSize,
                buffers.GateGradient, width, T.One, Kernel.Gradient.Data, width);
            if (inputGradient)
                Gemm.Multiply(false, true, rows, InputSize, width, T.One, buffers.GateGradient, width,
                    Kernel.Value.Data, width, T.Zero, buffers.InputGradient, InputSize);
        }
        else
        {
            if (inputGradient) buffers.InputGradient.AsSpan().Clear();
            Span<T> product = buffers.MaskedInputs!;
            for (int g = 0; g < GateCount; g++)
            {
                Gemm.Multiply(true, false, InputSize, Units, rows, T.One, MaskedInputs(buffers, g), InputSize,
                    buffers.GateGradient.AsSpan(g * Units), width, T.One, Kernel.Gradient.Data.AsSpan(g * Units), width);
                if (!inputGradient) continue;
                Gemm.Multiply(false, true, rows, InputSize, Units, T.One, buffers.GateGradient.AsSpan(g * Units), width,
                    Kernel.Value.Data.AsSpan(g * Units), width, T.Zero, product, InputSize);
                ApplyStepMask(product, buffers.InputMasks[g]);
                TensorPrimitives.Add(buffers.InputGradient, product, buffers.InputGradient);
            }
        }
        AccumulateRecurrentKernelGradient(buffers);
        if (Bias is not null) AccumulateBiasGradient(buffers);
    }

    /// <summary>dRecurrentKernel += h_prevᵀ · dRecurrent over all steps (the states before each step are contiguous).</summary>
    protected virtual void AccumulateRecurrentKernelGradient(SequenceBuffers<T> buffers) =>
        AccumulateRecurrentKernelGradient(buffers, 0, GateCount);

    /// <summary>The recurrent-kernel gradient of gate blocks firstGate… (with each block's dropout mask on h_prev).</summary>
    protected void AccumulateRecurrentKernelGradient(SequenceBuffers<T> buffers, int firstGate, int gates)
    {
        int rows = buffers.Batch * buffers.Steps, h = Units, width = GateCount * h;
        Span<T> gradient = RecurrentKernel.Gradient.Span;
        if (buffers.RecurrentMasks is null)
        {
            Gemm.Multiply(true, false, h, gates * h, rows, T.One, buffers.States[0], h,
                buffers.RecurrentGradient.AsSpan(firstGate * h), width, T.One, gradient[(firstGate * h)..], width);
            return;
        }
        Span<T> masked = buffers.MaskedStates!;
        for (int g = firstGate; g < firstGate + gates; g++)
        {
            buffers.States[0].AsSpan(0, rows * h).CopyTo(masked);
            ApplyStepMask(masked, buffers.RecurrentMasks[g]);
            Gemm.Multiply(true, false, h, h, rows, T.One, masked, h,
                buffers.RecurrentGradient.AsSpan(g * h), width, T.One, gradient[(g * h)..], width);
        }
    }

    /// <summary>The recurrent dropout mask of gate block g ([B·H]), or null without recurrent dropout.</summary>
    protected static T[]? RecurrentMask(SequenceBuffers<T> buffers, int gate) => buffers.RecurrentMasks?[gate];

    // The time-major inputs times gate g's mask: every step of batch row b uses the same mask row.
    private Span<T> MaskedInputs(SequenceBuffers<T> buffers, int gate)
    {
        Span<T> masked = buffers.MaskedInputs!;
        buffers.Inputs.CopyTo(masked);
        ApplyStepMask(masked, buffers.InputMasks![gate]);
        return masked;
    }

    // values[T·B, n] ⊙= mask[B, n], the same mask at every step.
    private static void ApplyStepMask(Span<T> values, ReadOnlySpan<T> mask)
    {
        for (int start = 0; start + mask.Length <= values.Length; start += mask.Length)
            TensorPrimitives.Multiply(values.Slice(start, mask.Length), mask, values.Slice(start, mask.Length));
    }

    /// <summary>dBias += column sums of the gate gradients.</summary>
    protected virtual void AccumulateBiasGradient(SequenceBuffers<T> buffers)
        => AddColumnSums(buffers.GateGradient, buffers.Batch * buffers.Steps, Bias!.Gradient.Span);

    /// <summary>destination[j] += Σ_r matrix[r, j] for a row-major matrix with destination.Length columns.</summary>
    protected static void AddColumnSums(ReadOnlySpan<T> matrix, int rows, Span<T> destination)
    {
        int width = destination.Length;
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(destination, matrix.Slice(r * width, width), destination);
    }
}
