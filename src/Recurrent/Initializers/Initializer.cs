using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Recurrent.Tensors;

namespace Recurrent.Initializers;

/// <summary>
/// Fills a weight tensor with starting values. All randomness comes from the <see cref="Random"/> passed in,
/// so a seeded generator gives the same weights on every run.
/// </summary>
/// <example>
/// <code>
/// var kernel = Tensor&lt;float&gt;.Zeros(4, 24);
/// Initializer.GlorotUniform.Fill(kernel, new Random(42));
/// </code>
/// </example>
public abstract class Initializer
{
    /// <summary>Keras' default kernel initializer: U(±√(6 / (fan_in + fan_out))).</summary>
    public static Initializer GlorotUniform { get; } = new GlorotUniformInitializer();

    /// <summary>Keras' default recurrent initializer: a (semi-)orthogonal matrix.</summary>
    public static Initializer Orthogonal { get; } = new OrthogonalInitializer(1.0);

    /// <summary>All zeros (Keras' default bias).</summary>
    public static Initializer Zeros { get; } = new ConstantInitializer(0.0);

    /// <summary>All ones.</summary>
    public static Initializer Ones { get; } = new ConstantInitializer(1.0);

    /// <summary>U(min, max).</summary>
    public static Initializer Uniform(double min, double max) => new UniformInitializer(min, max);

    /// <summary>PyTorch's default for every weight and bias of nn.RNN / nn.LSTM / nn.GRU: U(±1/√units).</summary>
    public static Initializer PyTorchRecurrent(int units) => new UniformInitializer(-1 / Math.Sqrt(units), 1 / Math.Sqrt(units));

    /// <summary>Fills <paramref name="tensor"/> in place.</summary>
    public abstract void Fill<T>(Tensor<T> tensor, Random random) where T : struct, IFloatingPointIeee754<T>;

    /// <summary>A standard normal sample (Box–Muller), from <paramref name="random"/> only.</summary>
    protected static double NextNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private sealed class ConstantInitializer(double value) : Initializer
    {
        public override void Fill<T>(Tensor<T> tensor, Random random) => tensor.Span.Fill(T.CreateChecked(value));
    }

    private sealed class UniformInitializer(double min, double max) : Initializer
    {
        public override void Fill<T>(Tensor<T> tensor, Random random)
        {
            Span<T> values = tensor.Span;
            for (int i = 0; i < values.Length; i++) values[i] = T.CreateChecked(min + (max - min) * random.NextDouble());
        }
    }

    private sealed class GlorotUniformInitializer : Initializer
    {
        public override void Fill<T>(Tensor<T> tensor, Random random)
        {
            // Keras: for a matrix fan_in = rows, fan_out = columns; a vector counts as both.
            int fanIn = tensor.Rank >= 2 ? tensor.Length / tensor.Dim(tensor.Rank - 1) : tensor.Length;
            int fanOut = tensor.Rank >= 2 ? tensor.Dim(tensor.Rank - 1) : tensor.Length;
            double limit = Math.Sqrt(6.0 / Math.Max(1, fanIn + fanOut));
            Uniform(-limit, limit).Fill(tensor, random);
        }
    }

    private sealed class OrthogonalInitializer(double gain) : Initializer
    {
        public override void Fill<T>(Tensor<T> tensor, Random random)
        {
            // As Keras: orthonormalise the columns of a tall normal matrix [max(r, c), min(r, c)],
            // transposing when the tensor is wide, so its rows or columns (whichever are fewer) are orthonormal.
            int columns = tensor.Dim(tensor.Rank - 1), rows = tensor.Length / Math.Max(1, columns);
            int tall = Math.Max(rows, columns), narrow = Math.Min(rows, columns);
            // Column j of the tall matrix is q[j]: Gram–Schmidt walks columns, so each is one contiguous vector.
            var q = new double[narrow][];
            for (int j = 0; j < narrow; j++) q[j] = new double[tall];
            for (int i = 0; i < tall; i++)
                for (int j = 0; j < narrow; j++)
                    q[j][i] = NextNormal(random);
            for (int j = 0; j < narrow; j++)
            {
                // Modified Gram–Schmidt: the positive diagonal of R matches Keras' sign correction q·sign(diag(r)).
                Span<double> column = q[j];
                for (int p = 0; p < j; p++)
                    TensorPrimitives.MultiplyAdd(q[p], -TensorPrimitives.Dot<double>(q[p], column), column, column);
                TensorPrimitives.Divide(column, TensorPrimitives.Norm<double>(column), column);
            }
            Span<T> values = tensor.Span;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    values[r * columns + c] = T.CreateChecked(gain * (rows >= columns ? q[c][r] : q[r][c]));
        }
    }
}
