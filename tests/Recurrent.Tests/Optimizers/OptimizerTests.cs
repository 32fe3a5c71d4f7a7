using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Tests.Optimizers;

/// <summary>The Keras-specific optimizer forms, step by step against their formulas written out in double.</summary>
public class OptimizerTests
{
    private static readonly double[] Gradients = [0.5, -1.5, 0.25, 2.0];

    // Runs the optimizer on one scalar weight (start 1.0) with the gradient sequence above; returns the weight after each step.
    private static double[] Run(Optimizer optimizer)
    {
        var parameter = new Parameter<double>("w", Tensor<double>.FromValues([1.0], 1));
        var trajectory = new List<double>();
        foreach (double g in Gradients)
        {
            parameter.Gradient.Span[0] = g;
            optimizer.Apply([parameter]);
            trajectory.Add(parameter.Value.Span[0]);
        }
        return [.. trajectory];
    }

    private static void AssertTrajectory(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 14);
    }

    [Fact]
    public void Adam_uses_keras_epsilon_hat_and_defaults()
    {
        double w = 1, m = 0, v = 0;
        var expected = new List<double>();
        for (int t = 1; t <= Gradients.Length; t++)
        {
            double g = Gradients[t - 1];
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= 0.001 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) + 1e-7);
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new Adam()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Adam_vectorized_update_is_bit_identical_to_its_scalar_twin(int length)
    {
        var random = new Random(length);
        float[] Values(double scale) => Enumerable.Range(0, length).Select(_ => (float)(scale * (2 * random.NextDouble() - 1))).ToArray();
        float[] value = Values(1), gradient = Values(3), m = Values(0.1), v = Values(0.01).Select(Math.Abs).ToArray();
        float[] twinValue = (float[])value.Clone(), twinM = (float[])m.Clone(), twinV = (float[])v.Clone();
        var adam = new Adam(0.01);

        int done = adam.UpdateVectorized<float>(value, gradient, [m, v], 0.003f);
        adam.UpdateScalar<float>(value, gradient, [m, v], 0.003f, done);
        adam.UpdateScalar<float>(twinValue, gradient, [twinM, twinV], 0.003f, 0);

        Assert.Equal(twinValue, value);
        Assert.Equal(twinM, m);
        Assert.Equal(twinV, v);
    }

    [Fact]
    public void Adam_amsgrad_uses_the_running_maximum_of_the_raw_second_moment()
    {
        double w = 1, m = 0, v = 0, vMax = 0;
        var expected = new List<double>();
        for (int t = 1; t <= Gradients.Length; t++)
        {
            double g = Gradients[t - 1];
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            vMax = Math.Max(vMax, v);
            w -= 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(vMax) + 1e-7);
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new Adam(0.01, amsgrad: true)));
    }

    [Fact]
    public void AdamW_decays_the_weight_by_lr_times_decay_before_the_adam_step()
    {
        double w = 1, m = 0, v = 0;
        var expected = new List<double>();
        for (int t = 1; t <= Gradients.Length; t++)
        {
            double g = Gradients[t - 1];
            w -= 0.001 * 0.004 * w;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= 0.001 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) + 1e-7);
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new AdamW()));
    }

    [Fact]
    public void RmsProp_centered_with_momentum_puts_epsilon_inside_the_root()
    {
        double w = 1, average = 0, mean = 0, velocity = 0;
        var expected = new List<double>();
        foreach (double g in Gradients)
        {
            average = 0.9 * average + 0.1 * g * g;
            mean = 0.9 * mean + 0.1 * g;
            velocity = 0.5 * velocity + 0.01 * g / Math.Sqrt(average - mean * mean + 1e-7);
            w -= velocity;
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new RmsProp(0.01, momentum: 0.5, centered: true)));
    }

    [Fact]
    public void Adagrad_starts_its_accumulator_at_one_tenth()
    {
        double w = 1, accumulator = 0.1;
        var expected = new List<double>();
        foreach (double g in Gradients)
        {
            accumulator += g * g;
            w -= 0.001 * g / Math.Sqrt(accumulator + 1e-7);
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new Adagrad()));
    }

    [Fact]
    public void Sgd_nesterov_steps_with_the_new_velocity()
    {
        double w = 1, velocity = 0;
        var expected = new List<double>();
        foreach (double g in Gradients)
        {
            velocity = 0.9 * velocity - 0.01 * g;
            w += 0.9 * velocity - 0.01 * g;
            expected.Add(w);
        }
        AssertTrajectory([.. expected], Run(new Sgd(momentum: 0.9, nesterov: true)));
    }

    [Fact]
    public void Clipping_by_value_norm_and_global_norm()
    {
        Parameter<double> P(params double[] g)
        {
            var p = new Parameter<double>("w", Tensor<double>.Zeros(g.Length));
            g.CopyTo(p.Gradient.Span);
            return p;
        }
        var a = P(3, 4);
        new Sgd(1, clipNorm: 1).Apply([a]);
        AssertTrajectory([-0.6, -0.8], a.Value.Data);

        var b = P(3, -4);
        new Sgd(1, clipValue: 2).Apply([b]);
        Assert.Equal([-2.0, 2.0], b.Value.Data);

        // Joint norm of (3, 4) and (12) is 13; scaled to 6.5 together.
        var c = P(3, 4);
        var d = P(12);
        new Sgd(1, globalClipNorm: 6.5).Apply([c, d]);
        AssertTrajectory([-1.5, -2.0], c.Value.Data);
        AssertTrajectory([-6.0], d.Value.Data);
    }

    [Fact]
    public void Only_one_clipping_option_is_accepted()
    {
        var error = Assert.Throws<ArgumentException>(() => new Adam(clipNorm: 1, clipValue: 1));
        Assert.Equal("Optimizer: set at most one of clipnorm, clipvalue and global_clipnorm.", error.Message);
    }

    [Fact]
    public void Schedules_follow_keras_formulas_per_step()
    {
        var exponential = LearningRateSchedule.ExponentialDecay(0.1, 10, 0.5);
        Assert.Equal(0.1 * Math.Pow(0.5, 0.5), exponential.At(5), 15);
        Assert.Equal(0.1, LearningRateSchedule.ExponentialDecay(0.1, 10, 0.5, staircase: true).At(9), 15);
        var steps = LearningRateSchedule.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1]);
        Assert.Equal([1.0, 1.0, 0.5, 0.1], new[] { steps.At(0), steps.At(100), steps.At(101), steps.At(201) });
        var cosine = LearningRateSchedule.CosineDecay(1.0, 100, alpha: 0.1);
        Assert.Equal(1.0, cosine.At(0), 15);
        Assert.Equal(0.1 + 0.9 * 0.5, cosine.At(50), 15);
        Assert.Equal(0.1, cosine.At(500), 15);

        var optimizer = new Sgd(schedule: LearningRateSchedule.PiecewiseConstantDecay([0], [1.0, 0.5]));
        Assert.Equal(1.0, optimizer.LearningRate);
        optimizer.Apply(new List<Parameter<double>>());
        Assert.Equal(0.5, optimizer.LearningRate);
    }
}
