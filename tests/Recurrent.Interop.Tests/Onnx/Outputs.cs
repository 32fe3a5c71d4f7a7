using Xunit.Abstractions;

namespace Recurrent.Interop.Tests.Onnx;

/// <summary>Compares two computations' outputs element by element (shared with the acceptance tests).</summary>
public static class Outputs
{
    /// <summary>
    /// Asserts equal shapes and every |expected − actual| ≤ <paramref name="tolerance"/>, naming the first index that
    /// is not; logs and returns the largest difference.
    /// </summary>
    public static double AssertClose(string what, int[] expectedShape, ReadOnlySpan<float> expected, int[] actualShape, ReadOnlySpan<float> actual,
        double tolerance, ITestOutputHelper log)
    {
        Assert.Equal(expectedShape, actualShape);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            Assert.True(error <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
            worst = Math.Max(worst, error);
        }
        log.WriteLine($"{what}: max difference {worst:E2}");
        return worst;
    }
}
