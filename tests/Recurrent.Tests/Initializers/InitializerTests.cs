using Recurrent.Initializers;
using Recurrent.Layers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Initializers;

public class InitializerTests
{
    [Theory]
    [InlineData(6, 24)]
    [InlineData(24, 6)]
    [InlineData(5, 5)]
    public void Orthogonal_has_orthonormal_rows_or_columns(int rows, int columns)
    {
        var w = Tensor<double>.Zeros(rows, columns);
        Initializer.Orthogonal.Fill(w, new Random(1));

        // The smaller side is orthonormal: WWᵀ = I when wide, WᵀW = I when tall.
        int small = Math.Min(rows, columns), large = Math.Max(rows, columns);
        for (int i = 0; i < small; i++)
            for (int j = 0; j < small; j++)
            {
                double dot = 0;
                for (int k = 0; k < large; k++)
                    dot += rows <= columns ? w[i, k] * w[j, k] : w[k, i] * w[k, j];
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 12);
            }
    }

    [Fact]
    public void Glorot_uniform_stays_within_its_limit_and_uses_it()
    {
        var w = Tensor<double>.Zeros(40, 60);
        Initializer.GlorotUniform.Fill(w, new Random(2));
        double limit = Math.Sqrt(6.0 / 100);
        Assert.All(w.Data, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Data.Max() > 0.9 * limit && w.Data.Min() < -0.9 * limit);
    }

    [Fact]
    public void Lstm_starts_with_zero_bias_and_unit_forget_bias()
    {
        var lstm = new Lstm<float>(3, seed: 1);
        lstm.Build(2);
        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f], lstm.Cell.Bias!.Value.Data);
    }

    [Fact]
    public void PyTorch_uniform_is_bounded_by_one_over_root_units()
    {
        var w = Tensor<float>.Zeros(100);
        Initializer.PyTorchRecurrent(16).Fill(w, new Random(3));
        Assert.All(w.Data, v => Assert.InRange(v, -0.25f, 0.25f));
    }
}
