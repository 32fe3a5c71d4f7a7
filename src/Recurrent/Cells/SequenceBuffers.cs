using System.Numerics;

namespace Recurrent.Cells;

/// <summary>
/// Everything one forward and backward pass over a sequence needs, sized once per (batch, steps) and reused.
/// All buffers are time-major in <em>processing</em> order: row <c>s·B + b</c> is step s of batch row b,
/// so a cell never needs to know whether the layer runs forwards or backwards in time.
/// </summary>
public sealed class SequenceBuffers<T> where T : struct, IFloatingPointIeee754<T>
{
    internal SequenceBuffers(RecurrentCell<T> cell, int batch, int steps)
    {
        Batch = batch;
        Steps = steps;
        int gates = cell.GateCount * cell.Units;
        int rows = steps * batch;
        Inputs = new T[rows * cell.InputSize];
        Projection = new T[rows * gates];
        States = new T[cell.StateCount][];
        StateGradients = new T[cell.StateCount][];
        for (int k = 0; k < cell.StateCount; k++)
        {
            States[k] = new T[(steps + 1) * batch * cell.Units];
            StateGradients[k] = new T[batch * cell.Units];
        }
        Cache = new T[rows * cell.CacheWidth];
        GateGradient = new T[rows * gates];
        RecurrentGradient = cell.HasSeparateRecurrentGradient ? new T[rows * gates] : GateGradient;
        InputGradient = new T[rows * cell.InputSize];
        StepScratch = new T[batch * gates];
        RowScratch = new T[batch * cell.Units];
        MaskedHidden = new T[batch * cell.Units];
    }

    /// <summary>Batch size B.</summary>
    public int Batch { get; }

    /// <summary>Number of steps T.</summary>
    public int Steps { get; }

    /// <summary>x in processing order: [T·B, I].</summary>
    internal T[] Inputs { get; }

    /// <summary>
    /// x·kernel + input bias for every step at once: [T·B, G·H]. SimpleRNN and LSTM add each step's recurrent product
    /// in place, so after the forward pass it holds their pre-activations.
    /// </summary>
    internal T[] Projection { get; }

    /// <summary>Per state (h, and c for LSTM): [(T+1)·B, H]; block s is the state before step s.</summary>
    internal T[][] States { get; }

    /// <summary>Whatever a cell keeps from its forward step for its backward step: [T·B, cell.CacheWidth].</summary>
    internal T[] Cache { get; }

    /// <summary>dLoss / d(input-side pre-activations): [T·B, G·H].</summary>
    internal T[] GateGradient { get; }

    /// <summary>dLoss / d(recurrent product h·R): [T·B, G·H]; the same array as <see cref="GateGradient"/> unless the cell differs (GRU).</summary>
    internal T[] RecurrentGradient { get; }

    /// <summary>Running dLoss / d(state) during the backward sweep, per state: [B, H].</summary>
    internal T[][] StateGradients { get; }

    /// <summary>dLoss / dx in processing order: [T·B, I].</summary>
    internal T[] InputGradient { get; }

    /// <summary>One step's recurrent product or gate gradients: [B, G·H].</summary>
    internal T[] StepScratch { get; }

    /// <summary>One step's worth of a hidden-sized quantity: [B, H].</summary>
    internal T[] RowScratch { get; }

    /// <summary>Input dropout masks per gate block, [B·I] each (the same array for every block when shared), or null.</summary>
    internal T[][]? InputMasks { get; private set; }

    /// <summary>Recurrent dropout masks per gate block, [B·H] each, or null.</summary>
    internal T[][]? RecurrentMasks { get; private set; }

    /// <summary>Scratch for the masked inputs of one gate block: [T·B, I] (only with input dropout).</summary>
    internal T[]? MaskedInputs { get; private set; }

    /// <summary>Scratch for the masked states of one gate block: [T·B, H] (only with recurrent dropout).</summary>
    internal T[]? MaskedStates { get; private set; }

    /// <summary>Scratch for one step's masked h or product: [B, H].</summary>
    internal T[] MaskedHidden { get; }

    /// <summary>Sets (or, with nulls, removes) the dropout masks of the next pass.</summary>
    internal void SetDropoutMasks(T[][]? inputMasks, T[][]? recurrentMasks)
    {
        InputMasks = inputMasks;
        RecurrentMasks = recurrentMasks;
        if (inputMasks is not null) MaskedInputs ??= new T[Inputs.Length];
        if (recurrentMasks is not null) MaskedStates ??= new T[Steps * Batch * MaskedHidden.Length / Batch];
    }

    /// <summary>State k before step s: [B, H].</summary>
    internal Span<T> State(int k, int s, int units) => States[k].AsSpan(s * Batch * units, Batch * units);
}
