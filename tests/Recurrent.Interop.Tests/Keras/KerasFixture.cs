using System.Numerics;
using System.Text.Json;
using Recurrent.Tensors;

namespace Recurrent.Interop.Tests.Keras;

/// <summary>A fixture made by tests/FixtureScripts/make_keras_fixtures.py: its path and its expected input and output.</summary>
public static class KerasFixture
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras", name);

    /// <summary>The input and the float64 numpy output of NAME.expected.json.</summary>
    public static (Tensor<T> Input, Tensor<double> Output) Expected<T>(string name) where T : struct, IFloatingPointIeee754<T>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf(name + ".expected.json")));
        return (Read<T>(json.RootElement.GetProperty("input")), Read<double>(json.RootElement.GetProperty("output")));
    }

    private static Tensor<T> Read<T>(JsonElement element) where T : struct, IFloatingPointIeee754<T> => new(
        element.GetProperty("data").EnumerateArray().Select(e => T.CreateChecked(e.GetDouble())).ToArray(),
        element.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());

    /// <summary>Asserts <paramref name="actual"/> equals <paramref name="expected"/> within <paramref name="tolerance"/>, naming the worst element.</summary>
    public static void AssertClose<T>(Tensor<double> expected, Tensor<T> actual, double tolerance) where T : struct, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        int worst = 0;
        double error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(double.CreateChecked(actual.Data[i]) - expected.Data[i]);
            if (!(e <= error)) (worst, error) = (i, e);
        }
        Assert.True(error <= tolerance, $"element {worst}: expected {expected.Data[worst]:R}, got {actual.Data[worst]} (|error| {error:E2} > {tolerance:E0})");
    }
}
