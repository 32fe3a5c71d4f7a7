using Recurrent.Cells;
using Recurrent.Kernels.Activations;

namespace Recurrent.Tests.Cells;

/// <summary>The LSTM forward step's one-pass row (default activations, 512-bit vectors) against its general path.</summary>
public class LstmCellTests
{
    // The same function under another identity: the cell recognises only the built-in instances for its one-pass row.
    private sealed class Wrapped<T>(Activation<T> inner) : Activation<T> where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        public override string Name => inner.Name;
        public override void Forward(ReadOnlySpan<T> x, Span<T> y) => inner.Forward(x, y);
        public override void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) => inner.Backward(x, y, dy, dx);
    }

    private static (T[][] States, T[] Cache) Run<T>(int units, bool general) where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        const int batch = 3, steps = 5, inputs = 4;
        Activation<T> tanh = Activation<T>.Tanh, sigmoid = Activation<T>.Sigmoid;
        var cell = general
            ? new LstmCell<T>(inputs, units, new Wrapped<T>(tanh), new Wrapped<T>(sigmoid))
            : new LstmCell<T>(inputs, units, tanh, sigmoid);
        var random = new Random(11);
        T Next(double scale) => T.CreateChecked(scale * (2 * random.NextDouble() - 1));
        foreach (var parameter in cell.Parameters)
            for (int i = 0; i < parameter.Value.Length; i++) parameter.Value.Span[i] = Next(1.5);
        SequenceBuffers<T> buffers = cell.CreateBuffers(batch, steps);
        for (int i = 0; i < buffers.Inputs.Length; i++) buffers.Inputs[i] = Next(3);
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < batch * units; i++) buffers.States[k][i] = Next(2);
        cell.ProjectInputs(buffers);
        for (int s = 0; s < steps; s++) cell.ForwardStep(buffers, s);
        return (buffers.States, buffers.Cache);
    }

    [Theory]
    [InlineData(16)]   // one vector (floats)
    [InlineData(40)]   // ragged: the last vector overlaps the one before
    [InlineData(64)]
    public void One_pass_row_gives_the_same_bits_as_the_general_path(int units)
    {
        var (fusedStates, fusedCache) = Run<float>(units, general: false);
        var (generalStates, generalCache) = Run<float>(units, general: true);
        Assert.Equal(generalStates[0], fusedStates[0]);
        Assert.Equal(generalStates[1], fusedStates[1]);
        Assert.Equal(generalCache, fusedCache);

        var (fusedDouble, _) = Run<double>(units, general: false);
        var (generalDouble, _) = Run<double>(units, general: true);
        Assert.Equal(generalDouble[0], fusedDouble[0]);
        Assert.Equal(generalDouble[1], fusedDouble[1]);
    }
}
