namespace Recurrent.Tests.Layers;

/// <summary>
/// Keras' cell equations written out directly, one batch row and one step at a time, in double: an independent
/// reference for the forward pass (weights in Keras layout, row-major).
/// </summary>
public static class ReferenceCell
{
    public static double Apply(string? activation, double x) => activation switch
    {
        null or "linear" => x,
        "tanh" => Math.Tanh(x),
        "sigmoid" => 1 / (1 + Math.Exp(-x)),
        "hard_sigmoid" => Math.Clamp(x / 6 + 0.5, 0, 1),
        "hard_sigmoid_legacy" => Math.Clamp(0.2 * x + 0.5, 0, 1),
        "relu" => Math.Max(x, 0),
        "softsign" => x / (1 + Math.Abs(x)),
        _ => throw new ArgumentException(activation),
    };

    // Σ_i v[i]·W[i, column] for W [v.Length, width].
    private static double Product(double[] v, double[] w, int width, int column)
    {
        double sum = 0;
        for (int i = 0; i < v.Length; i++) sum += v[i] * w[i * width + column];
        return sum;
    }

    /// <summary>One step; returns h (and updates c for LSTM). kind: simple_rnn, lstm, gru, gru_reset_before.</summary>
    public static double[] Step(string kind, double[] x, double[] h, double[] c, double[] kernel, double[] recurrent,
        double[] bias, string activation, string recurrentActivation)
    {
        int units = h.Length;
        var next = new double[units];
        double A(double v) => Apply(activation, v);
        double S(double v) => Apply(recurrentActivation, v);
        switch (kind)
        {
            case "simple_rnn":
                for (int j = 0; j < units; j++) next[j] = A(Product(x, kernel, units, j) + Product(h, recurrent, units, j) + bias[j]);
                return next;
            case "lstm":
                int w = 4 * units;
                double Gate(int g, int j) => Product(x, kernel, w, g * units + j) + Product(h, recurrent, w, g * units + j) + bias[g * units + j];
                for (int j = 0; j < units; j++)
                {
                    double i = S(Gate(0, j)), f = S(Gate(1, j)), g = A(Gate(2, j)), o = S(Gate(3, j));
                    c[j] = f * c[j] + i * g;
                    next[j] = o * A(c[j]);
                }
                return next;
            case "gru":
                int width = 3 * units;
                for (int j = 0; j < units; j++)
                {
                    double z = S(Product(x, kernel, width, j) + bias[j] + Product(h, recurrent, width, j) + bias[width + j]);
                    double r = S(Product(x, kernel, width, units + j) + bias[units + j] + Product(h, recurrent, width, units + j) + bias[width + units + j]);
                    double candidate = A(Product(x, kernel, width, 2 * units + j) + bias[2 * units + j]
                        + r * (Product(h, recurrent, width, 2 * units + j) + bias[width + 2 * units + j]));
                    next[j] = z * h[j] + (1 - z) * candidate;
                }
                return next;
            case "gru_reset_before":
                int cols = 3 * units;
                var z2 = new double[units];
                var resetHidden = new double[units];
                for (int j = 0; j < units; j++)
                {
                    z2[j] = S(Product(x, kernel, cols, j) + Product(h, recurrent, cols, j) + bias[j]);
                    double r = S(Product(x, kernel, cols, units + j) + Product(h, recurrent, cols, units + j) + bias[units + j]);
                    resetHidden[j] = r * h[j];
                }
                for (int j = 0; j < units; j++)
                {
                    double candidate = A(Product(x, kernel, cols, 2 * units + j) + Product(resetHidden, recurrent, cols, 2 * units + j) + bias[2 * units + j]);
                    next[j] = z2[j] * h[j] + (1 - z2[j]) * candidate;
                }
                return next;
            default:
                throw new ArgumentException(kind);
        }
    }
}
