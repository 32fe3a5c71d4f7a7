using Recurrent.Kernels;

namespace Recurrent.Tests.Kernels;

public class TransposeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 37)]
    [InlineData(37, 1)]
    [InlineData(16, 16)]   // one whole tile
    [InlineData(17, 33)]   // ragged tiles on both sides
    [InlineData(64, 256)]  // an LSTM's recurrent kernel, H = 64
    public void Every_element_lands_at_its_mirrored_place(int rows, int cols)
    {
        var source = new float[rows * cols];
        for (int i = 0; i < source.Length; i++) source[i] = i + 1;
        var destination = new float[rows * cols];
        Transpose.Matrix<float>(source, rows, cols, destination);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                Assert.True(destination[c * rows + r] == source[r * cols + c], $"[{c}, {r}] of the transpose is {destination[c * rows + r]}, expected {source[r * cols + c]}");
    }

    [Fact]
    public void A_short_span_is_refused_with_both_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Transpose.Matrix<float>(new float[6], 2, 3, new float[5]));
        Assert.Contains("destination 5", error.Message);
    }
}
