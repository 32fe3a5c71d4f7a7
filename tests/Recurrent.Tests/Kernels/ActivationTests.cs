using System.Numerics;
using Recurrent.Kernels.Activations;

namespace Recurrent.Tests.Kernels;

public class ActivationTests
{
    private const double FloatTolerance = 1e-6, DoubleTolerance = 1e-14;

    private static readonly int[] Lengths = [0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 257, 1000];

    // 0 forces the driver's scalar loop; -1 means the public entry point (native width).
    private static readonly int[] VectorBits = [0, 128, 256, 512, -1];

    // Kinks (0, ±2.5, ±3), the expm1 series switch (|x| = 0.1, tanh's |x| = 0.05), tiny and extreme values.
    private static readonly double[] SpecialPoints = [0, 2.5, -2.5, 3, -3, 0.1, -0.1, 0.05, -0.05, 1e-7, -1e-7, 12, -12];

    public static TheoryData<string> Names => new(Activation<double>.KnownNames);

    public static TheoryData<string> PointwiseNames => new(Activation<double>.KnownNames.Where(n => n != "softmax"));

    [Theory, MemberData(nameof(Names))]
    public void ForwardAtEveryVectorWidthMatchesScalarTwin_Float(string name) => ForwardMatchesScalarTwin<float>(name, FloatTolerance);

    [Theory, MemberData(nameof(Names))]
    public void ForwardAtEveryVectorWidthMatchesScalarTwin_Double(string name) => ForwardMatchesScalarTwin<double>(name, DoubleTolerance);

    [Theory, MemberData(nameof(Names))]
    public void BackwardAtEveryVectorWidthMatchesScalarTwin_Float(string name) => BackwardMatchesScalarTwin<float>(name, FloatTolerance);

    [Theory, MemberData(nameof(Names))]
    public void BackwardAtEveryVectorWidthMatchesScalarTwin_Double(string name) => BackwardMatchesScalarTwin<double>(name, DoubleTolerance);

    [Theory, MemberData(nameof(PointwiseNames))]
    public void BackwardMatchesCentralFiniteDifferencesAwayFromKinks(string name)
    {
        var act = Activation<double>.FromName(name);
        var rng = new Random(7);
        double[] x = Enumerable.Range(0, 400).Select(_ => rng.NextDouble() * 24 - 12)
            .Where(v => new[] { 0, 2.5, -2.5, 3, -3 }.All(k => Math.Abs(v - k) > 1e-3)).ToArray();
        double[] y = new double[x.Length], dx = new double[x.Length];
        act.Forward(x, y);
        act.Backward(x, y, Enumerable.Repeat(1.0, x.Length).ToArray(), dx);

        const double h = 1e-5;
        double[] plus = x.Select(v => v + h).ToArray(), minus = x.Select(v => v - h).ToArray();
        act.Forward(plus, plus);
        act.Forward(minus, minus);
        for (int i = 0; i < x.Length; i++)
        {
            double fd = (plus[i] - minus[i]) / (2 * h);
            // Relative error, floored so saturated tails (f' ~ 1e-10) are judged against the FD rounding noise.
            Assert.True(Math.Abs(fd - dx[i]) <= 1e-6 * Math.Max(Math.Abs(dx[i]), 1e-3),
                $"{name}'({x[i]:R}) = {dx[i]:R}, finite difference {fd:R}");
        }
    }

    [Fact]
    public void SoftmaxBackwardIsTheJacobianVectorProductOfFiniteDifferences()
    {
        var rng = new Random(11);
        double[] x = Enumerable.Range(0, 7).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
        double[] dy = Enumerable.Range(0, 7).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        double[] y = new double[7], dx = new double[7];
        Activation<double>.Softmax.Forward(x, y);
        Activation<double>.Softmax.Backward(x, y, dy, dx);

        // dx_i = ∂/∂x_i Σ_j dy_j softmax(x)_j.
        double Objective(double[] v)
        {
            double[] s = new double[v.Length];
            Activation<double>.Softmax.Forward(v, s);
            return s.Zip(dy, (a, b) => a * b).Sum();
        }
        const double h = 1e-5;
        for (int i = 0; i < x.Length; i++)
        {
            double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (Objective(plus) - Objective(minus)) / (2 * h);
            Assert.True(Math.Abs(fd - dx[i]) <= 1e-6 * Math.Max(Math.Abs(dx[i]), 1e-3), $"dx[{i}] = {dx[i]:R}, finite difference {fd:R}");
        }
    }

    [Theory, MemberData(nameof(Names))]
    public void ForwardInPlaceGivesTheSameResultAsOutOfPlace(string name)
    {
        InPlaceForward<float>(name);
        InPlaceForward<double>(name);
    }

    [Theory, MemberData(nameof(Names))]
    public void BackwardInPlaceOverDyGivesTheSameResultAsOutOfPlace(string name)
    {
        InPlaceBackward<float>(name);
        InPlaceBackward<double>(name);
    }

    [Theory, MemberData(nameof(Names))]
    public void FromNameRoundTripsTheKerasName(string name)
    {
        Assert.Equal(name, Activation<float>.FromName(name).Name);
        Assert.Equal(name, Activation<double>.FromName(name).Name);
    }

    [Fact]
    public void NullNameMeansLinear()
    {
        Assert.Same(Activation<double>.Linear, Activation<double>.FromName(null));
        Assert.Equal("linear", Activation<float>.FromName(null).Name);
    }

    [Fact]
    public void UnknownNameThrowsListingTheKnownNames()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation<float>.FromName("gelu"));
        Assert.Contains("'gelu'", e.Message);
        foreach (string known in Activation<float>.KnownNames) Assert.Contains(known, e.Message);
    }

    [Fact]
    public void NamesAreCaseSensitiveLikeKeras() =>
        Assert.Throws<ArgumentException>(() => Activation<float>.FromName("Tanh"));

    [Fact]
    public void ShortOutputSpanIsRejected()
    {
        var act = Activation<float>.Tanh;
        Assert.Throws<ArgumentException>(() => act.Forward(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => act.Backward(new float[4], new float[4], new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => act.Backward(new float[4], new float[3], new float[4], new float[4]));
        Assert.Throws<ArgumentException>(() => Activation<float>.Softmax.Forward(new float[4], new float[3]));
    }

    [Fact]
    public void PartiallyOverlappingOutputIsRejected()
    {
        float[] buffer = new float[40];
        Assert.Throws<ArgumentException>(() => Activation<float>.Sigmoid.Forward(buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
        Assert.Throws<ArgumentException>(() => Activation<float>.Softmax.Forward(buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
        Assert.Throws<ArgumentException>(() =>
            Activation<float>.Tanh.Backward(new float[32], new float[32], buffer.AsSpan(0, 32), buffer.AsSpan(4, 32)));
    }

    [Fact]
    public void LongerOutputSpanIsWrittenOnlyOverTheInputLength()
    {
        float[] y = Enumerable.Repeat(-7f, 20).ToArray();
        Activation<float>.Relu.Forward(Enumerable.Repeat(1f, 17).ToArray(), y);
        Assert.All(y[..17], v => Assert.Equal(1f, v));
        Assert.All(y[17..], v => Assert.Equal(-7f, v));
    }

    [Theory, MemberData(nameof(Names))]
    public void NaNInputsPropagateToTheOutput(string name)
    {
        var act = Activation<float>.FromName(name);
        foreach (int bits in new[] { 0, 512 })
        {
            float[] y = new float[17];
            act.ForwardVectorized(Enumerable.Repeat(float.NaN, 17).ToArray(), y, bits);
            Assert.All(y, v => Assert.True(float.IsNaN(v), $"{name} bits={bits} gave {v}"));
        }
    }

    [Fact]
    public void ForwardAndBackwardDoNotAllocate()
    {
        float[] x = Inputs<float>(257, 8), y = new float[257], dy = Gradients<float>(257, 9), dx = new float[257];
        void RunAll()
        {
            foreach (string name in Activation<float>.KnownNames)
            {
                var act = Activation<float>.FromName(name);
                act.Forward(x, y);
                act.Backward(x, y, dy, dx);
            }
        }
        RunAll(); // warm up: static constructors and tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SwishAndSiluAreTheSameFunction()
    {
        double[] x = Inputs<double>(65, 3), a = new double[65], b = new double[65];
        Activation<double>.FromName("swish").Forward(x, a);
        Activation<double>.FromName("silu").Forward(x, b);
        Assert.Equal(a, b);
    }

    private static void ForwardMatchesScalarTwin<T>(string name, double tolerance) where T : struct, IFloatingPointIeee754<T>
    {
        var act = Activation<T>.FromName(name);
        foreach (int n in Lengths)
        {
            T[] x = Inputs<T>(n, 1);
            T[] expected = new T[n];
            act.ForwardScalar(x, expected);
            foreach (int bits in VectorBits)
            {
                T[] actual = new T[n];
                if (bits < 0) act.Forward(x, actual); else act.ForwardVectorized(x, actual, bits);
                AssertClose(expected, actual, tolerance, $"{name} forward, n={n}, bits={bits}", x);
            }
        }
    }

    private static void BackwardMatchesScalarTwin<T>(string name, double tolerance) where T : struct, IFloatingPointIeee754<T>
    {
        var act = Activation<T>.FromName(name);
        foreach (int n in Lengths)
        {
            T[] x = Inputs<T>(n, 2), y = new T[n], dy = Gradients<T>(n, 3), expected = new T[n];
            act.ForwardScalar(x, y);
            act.BackwardScalar(x, y, dy, expected);
            foreach (int bits in VectorBits)
            {
                T[] actual = new T[n];
                if (bits < 0) act.Backward(x, y, dy, actual); else act.BackwardVectorized(x, y, dy, actual, bits);
                AssertClose(expected, actual, tolerance, $"{name} backward, n={n}, bits={bits}", x);
            }
        }
    }

    private static void InPlaceForward<T>(string name) where T : struct, IFloatingPointIeee754<T>
    {
        var act = Activation<T>.FromName(name);
        foreach (int n in Lengths)
        {
            T[] x = Inputs<T>(n, 4), expected = new T[n];
            act.Forward(x, expected);
            act.Forward(x, x);
            Assert.Equal(expected, x);
        }
    }

    private static void InPlaceBackward<T>(string name) where T : struct, IFloatingPointIeee754<T>
    {
        var act = Activation<T>.FromName(name);
        foreach (int n in Lengths)
        {
            T[] x = Inputs<T>(n, 5), y = new T[n], dy = Gradients<T>(n, 6), expected = new T[n];
            act.Forward(x, y);
            act.Backward(x, y, dy, expected);
            act.Backward(x, y, dy, dy);
            Assert.Equal(expected, dy);
        }
    }

    /// <summary>Uniform in [−12, 12], with every fifth element (offset by n so short spans get some) a special point.</summary>
    internal static T[] Inputs<T>(int n, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed * 1000 + n);
        return Enumerable.Range(0, n).Select(i => T.CreateTruncating((i + n) % 5 == 0
            ? SpecialPoints[(i / 5) % SpecialPoints.Length]
            : rng.NextDouble() * 24 - 12)).ToArray();
    }

    private static T[] Gradients<T>(int n, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed * 1000 + n);
        return Enumerable.Range(0, n).Select(_ => T.CreateTruncating(rng.NextDouble() * 4 - 2)).ToArray();
    }

    /// <summary>|actual − expected| ≤ tolerance·max(1, |expected|): absolute below 1, relative above.</summary>
    internal static void AssertClose<T>(T[] expected, T[] actual, double tolerance, string what, T[]? x = null)
        where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            Assert.False(double.IsNaN(a) != double.IsNaN(e), $"{what}: [{i}] NaN mismatch, expected {e:R}, got {a:R}");
            Assert.True(double.IsNaN(e) || Math.Abs(a - e) <= tolerance * Math.Max(1, Math.Abs(e)),
                $"{what}: [{i}]{(x is null ? "" : $" x={x[i]}")} expected {e:R}, got {a:R}");
        }
    }
}
