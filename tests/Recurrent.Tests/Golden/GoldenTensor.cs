using System.Numerics;
using System.Text.Json;
using Recurrent.Tensors;

namespace Recurrent.Tests.Golden;

/// <summary>A <c>{shape, data}</c> tensor from a golden JSON file, kept in double as written.</summary>
public sealed record GoldenTensor(int[] Shape, double[] Data)
{
    public static GoldenTensor Read(JsonElement element) => new(
        element.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
        element.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray());

    public Tensor<T> As<T>() where T : struct, IFloatingPointIeee754<T> =>
        new(Data.Select(T.CreateChecked).ToArray(), Shape);

    /// <summary>Slice [index] of the first axis, e.g. one layer/direction of PyTorch's h0 [L·D, B, H].</summary>
    public Tensor<T> Slice<T>(int index) where T : struct, IFloatingPointIeee754<T>
    {
        int size = Data.Length / Shape[0];
        return new(Data.Skip(index * size).Take(size).Select(T.CreateChecked).ToArray(), Shape[1..]);
    }
}

/// <summary>Comparisons that name the tensor and the worst element when they fail.</summary>
public static class Compare
{
    public static void Close<T>(string name, IReadOnlyList<double> expected, ReadOnlySpan<T> actual, double absolute, double relative)
        where T : struct, IFloatingPointIeee754<T>
    {
        Assert.True(expected.Count == actual.Length, $"{name}: expected {expected.Count} values, got {actual.Length}");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double value = double.CreateChecked(actual[i]);
            double excess = Math.Abs(value - expected[i]) - (absolute + relative * Math.Abs(expected[i]));
            if (double.IsNaN(value) || excess > worstExcess)
            {
                worst = i;
                worstExcess = double.IsNaN(value) ? double.PositiveInfinity : excess;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" :
            $"{name}[{worst}]: expected {expected[worst]:R}, got {actual[worst]} (tolerance atol {absolute}, rtol {relative})");
    }
}
