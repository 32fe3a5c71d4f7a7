using Recurrent.Tensors;

namespace Recurrent.Tests.Layers;

/// <summary>Central finite differences in float64 against analytic gradients, element by element.</summary>
public static class FiniteDifferences
{
    private const double Epsilon = 1e-5;

    /// <summary>(name, value, analytic gradient copied now) for every parameter, numbered in order.</summary>
    public static IEnumerable<(string Name, Tensor<double> Value, double[] Analytic)> ParameterChecks(IEnumerable<Parameter<double>> parameters) =>
        parameters.Select((p, i) => ($"weight {i} ({p.Name})", p.Value, p.Gradient.Data.ToArray()));

    /// <summary>
    /// Perturbs every element of every value by ±ε, re-evaluates <paramref name="loss"/>, and returns the largest
    /// relative error |a − n| / max(|a|, |n|, 1e-4): relative for ordinary gradients, absolute (scaled by 1e4) for tiny ones.
    /// </summary>
    public static double MaxRelativeError(Func<double> loss, IEnumerable<(string Name, Tensor<double> Value, double[] Analytic)> checks, out string worst)
    {
        double maxError = 0;
        worst = "";
        foreach (var (name, value, analytic) in checks)
        {
            for (int i = 0; i < value.Length; i++)
            {
                double saved = value.Span[i];
                value.Span[i] = saved + Epsilon;
                double plus = loss();
                value.Span[i] = saved - Epsilon;
                double minus = loss();
                value.Span[i] = saved;
                double numeric = (plus - minus) / (2 * Epsilon);
                double error = Math.Abs(analytic[i] - numeric) / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)), 1e-4);
                if (error > maxError || double.IsNaN(error))
                {
                    maxError = double.IsNaN(error) ? double.PositiveInfinity : error;
                    worst = $"{name}[{i}]: analytic {analytic[i]:R}, numeric {numeric:R}";
                }
            }
        }
        return maxError;
    }

    /// <summary>Asserts the largest relative error is at most 1e-6.</summary>
    public static void AssertMatches(Func<double> loss, IEnumerable<(string Name, Tensor<double> Value, double[] Analytic)> checks)
    {
        double error = MaxRelativeError(loss, checks.ToList(), out string worst);
        Assert.True(error <= 1e-6, $"max relative error {error:E2} at {worst}");
    }
}
