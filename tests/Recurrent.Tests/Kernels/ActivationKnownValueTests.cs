using System.Numerics;
using Recurrent.Kernels.Activations;

namespace Recurrent.Tests.Kernels;

public class ActivationKnownValueTests
{
    private const double Alpha = 1.67326324235437728481, Scale = 1.05070098735548049342;

    [Fact]
    public void HardSigmoidIsKeras3Definition()
    {
        Assert.Equal([0, 0, 0.5 + 1.0 / 6, 0.5, 1, 1], Forward("hard_sigmoid", -4, -3, 1, 0, 3, 4), Tol(1e-15));
        Assert.Equal([0, 0, 1.0 / 6, 1.0 / 6, 1.0 / 6, 0, 0], Derivative("hard_sigmoid", -4, -3, -2.999, 0, 2.999, 3, 4));
    }

    [Fact]
    public void HardSigmoidLegacyIsKeras2Definition()
    {
        Assert.Equal([0, 0, 0.7, 0.5, 1, 1], Forward("hard_sigmoid_legacy", -3, -2.5, 1, 0, 2.5, 3), Tol(1e-15));
        Assert.Equal([0, 0, 0.2, 0.2, 0.2, 0, 0], Derivative("hard_sigmoid_legacy", -3, -2.5, -2.499, 0, 2.499, 2.5, 3));
    }

    [Fact]
    public void HardSigmoidsHitTheirClipPointsExactlyInFloat()
    {
        float[] y = new float[4];
        Activation<float>.HardSigmoid.Forward([-3f, 3f, -3f, 3f], y);
        Assert.Equal([0f, 1f, 0f, 1f], y);
        Activation<float>.HardSigmoidLegacy.Forward([-2.5f, 2.5f, -2.5f, 2.5f], y);
        Assert.Equal([0f, 1f, 0f, 1f], y);
    }

    [Fact]
    public void ReluDerivativeAtZeroIsZero()
    {
        Assert.Equal([0, 0, 2], Forward("relu", -1, 0, 2));
        Assert.Equal([0, 0, 1], Derivative("relu", -1, 0, 2));
    }

    [Fact]
    public void SoftplusIsStableForLargeMagnitudes()
    {
        double[] y = Forward("softplus", 1000, -1000, 0, -50, 50);
        Assert.Equal(1000, y[0]);
        Assert.Equal(0, y[1]);
        Assert.Equal(Math.Log(2), y[2], Tol(1e-15));
        Assert.Equal(Math.Exp(-50), y[3], Tol(1e-12 * Math.Exp(-50)));  // log1p keeps tiny values, not just 0
        Assert.Equal(50 + Math.Exp(-50), y[4]);

        float[] f = new float[2];
        Activation<float>.Softplus.Forward([1000f, -1000f], f);
        Assert.Equal([1000f, 0f], f);
    }

    [Fact]
    public void SoftplusDerivativeIsSigmoid() =>
        Assert.Equal([0.5, 1 / (1 + Math.Exp(-2)), 1, 0], Derivative("softplus", 0, 2, 1000, -1000), Tol(1e-15));

    [Fact]
    public void SoftmaxSubtractsTheMaximumSoLargeInputsDoNotOverflow()
    {
        double[] y = new double[2];
        Activation<double>.Softmax.Forward([1000, 1000], y);
        Assert.Equal([0.5, 0.5], y);
        float[] f = new float[3];
        Activation<float>.Softmax.Forward([1000f, 1000f, -1000f], f);
        Assert.Equal([0.5f, 0.5f, 0f], f);
    }

    [Fact]
    public void SoftmaxTreatsTheWholeSpanAsOneRow()
    {
        double[] y = new double[3];
        Activation<double>.Softmax.Forward([1, 2, 3], y);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal([Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z], y, Tol(1e-15));
    }

    [Fact]
    public void SoftmaxBackwardIsJacobianVectorProduct()
    {
        double[] y = [0.2, 0.3, 0.5], dy = [1, -2, 0.5], dx = new double[3];
        Activation<double>.Softmax.Backward(new double[3], y, dy, dx);
        double dot = 0.2 - 0.6 + 0.25;
        Assert.Equal([0.2 * (1 - dot), 0.3 * (-2 - dot), 0.5 * (0.5 - dot)], dx, Tol(1e-15));
    }

    [Fact]
    public void EmptySpansAreNoOps()
    {
        foreach (string name in Activation<float>.KnownNames)
        {
            Activation<float>.FromName(name).Forward([], []);
            Activation<float>.FromName(name).Backward([], [], [], []);
        }
    }

    [Fact]
    public void TanhKeepsRelativeAccuracyForTinyInputs() // within a few ulp, where exp(x) − 1 would lose all digits
    {
        double[] x = [1e-300, 1e-8, -1e-4, 0.04, 0.05, 0.06, 0.2, -0.25, 0.26, 0.5, -3, 20, -20, 0];
        double[] y = Forward("tanh", x);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(y[i] - Math.Tanh(x[i])) <= 1e-15 * Math.Abs(Math.Tanh(x[i])), $"tanh({x[i]}) = {y[i]:R}");

        float[] xf = [1e-30f, 1e-8f, -1e-4f, 0.05f, 0.5f, 1f, 5f, -9f, 20f], yf = new float[xf.Length];
        Activation<float>.Tanh.Forward(xf, yf);
        for (int i = 0; i < xf.Length; i++)
            Assert.True(Math.Abs(yf[i] - Math.Tanh(xf[i])) <= 6e-7 * Math.Abs(Math.Tanh(xf[i])), $"tanh({xf[i]}) = {yf[i]:R}");
    }

    [Fact]
    public void SigmoidSaturatesWithoutNaN()
    {
        Assert.Equal([0.5, 1, 0], Forward("sigmoid", 0, 1000, -1000));
        float[] f = new float[2];
        Activation<float>.Sigmoid.Forward([1000f, -1000f], f);
        Assert.Equal([1f, 0f], f);
    }

    [Fact]
    public void EluAndSeluUseKerasConstants()
    {
        Assert.Equal([2, 0, Math.Exp(-1) - 1, -1e-10], Forward("elu", 2, 0, -1, -1e-10), Tol(1e-16));
        Assert.Equal([Scale * 2, 0, Scale * Alpha * (Math.Exp(-1) - 1)], Forward("selu", 2, 0, -1), Tol(1e-15));
        Assert.Equal([Scale, Scale * Alpha, Scale * Alpha * Math.Exp(-1)], Derivative("selu", 2, 0, -1), Tol(1e-15));
        Assert.Equal([1, 1, Math.Exp(-1)], Derivative("elu", 2, 0, -1), Tol(1e-15));
    }

    [Fact]
    public void SoftsignAndSwishMatchTheirDefinitions()
    {
        Assert.Equal([0.5, -0.75, 0], Forward("softsign", 1, -3, 0), Tol(1e-16));
        Assert.Equal([0.25, 1.0 / 16], Derivative("softsign", 1, -3), Tol(1e-16));
        double s = 1 / (1 + Math.Exp(-1));
        Assert.Equal([s, 0, 1000], Forward("swish", 1, 0, 1000), Tol(1e-15));
        Assert.Equal([s + s * (1 - s), 0.5], Derivative("swish", 1, 0), Tol(1e-15));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_sigmoid_legacy")]
    [InlineData("relu")]
    [InlineData("elu")]
    [InlineData("selu")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("swish")]
    public void FloatAndDoubleForwardMatchTheTextbookDefinition(string name)
    {
        double[] x = ActivationTests.Inputs<double>(1000, 9);
        double[] expected = x.Select(v => Reference(name, v)).ToArray();
        ActivationTests.AssertClose(expected, Forward(name, x), 1e-14, $"{name} double", x);

        float[] xf = x.Select(v => (float)v).ToArray(), yf = new float[xf.Length];
        Activation<float>.FromName(name).Forward(xf, yf);
        ActivationTests.AssertClose(xf.Select(v => Reference(name, v)).ToArray(), yf.Select(v => (double)v).ToArray(), 1e-6, $"{name} float", x);
    }

    private static double Reference(string name, double x) => name switch
    {
        "linear" => x,
        "tanh" => Math.Tanh(x),
        "sigmoid" => 1 / (1 + Math.Exp(-x)),
        "hard_sigmoid" => Math.Clamp(x / 6 + 0.5, 0, 1),
        "hard_sigmoid_legacy" => Math.Clamp(0.2 * x + 0.5, 0, 1),
        "relu" => Math.Max(x, 0),
        "elu" => x > 0 ? x : Math.Exp(x) - 1,
        "selu" => Scale * (x > 0 ? x : Alpha * (Math.Exp(x) - 1)),
        "softplus" => Math.Log(1 + Math.Exp(x)),
        "softsign" => x / (1 + Math.Abs(x)),
        "swish" => x / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static double[] Forward(string name, params double[] x)
    {
        double[] y = new double[x.Length];
        Activation<double>.FromName(name).Forward(x, y);
        return y;
    }

    private static double[] Derivative(string name, params double[] x)
    {
        double[] dx = new double[x.Length];
        var act = Activation<double>.FromName(name);
        act.Backward(x, Forward(name, x), Enumerable.Repeat(1.0, x.Length).ToArray(), dx);
        return dx;
    }

    private static DoubleComparer Tol(double tolerance) => new(tolerance);

    private sealed class DoubleComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
