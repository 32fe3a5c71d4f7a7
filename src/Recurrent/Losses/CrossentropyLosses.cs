using System.Numerics;

namespace Recurrent.Losses;

internal sealed class BinaryCrossentropyLoss(bool fromLogits, double labelSmoothing = 0) : Loss
{
    public override string Name => "binary_crossentropy";

    public override bool FromLogits => fromLogits;

    public override Loss? FusedWith(string activation) => !fromLogits && activation == "sigmoid" ? new BinaryCrossentropyLoss(true, labelSmoothing) : null;

    // Mean over the last axis of −(y·log p + (1 − y)·log(1 − p)).
    protected override T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
    {
        T sum = T.Zero, count = T.CreateChecked(prediction.Length), epsilon = Epsilon<T>();
        T smoothing = T.CreateChecked(labelSmoothing), half = T.CreateChecked(0.5);
        for (int j = 0; j < prediction.Length; j++)
        {
            // Keras' label smoothing pulls binary targets towards ½: y(1 − ls) + ½·ls.
            T y = target[j] * (T.One - smoothing) + half * smoothing, x = prediction[j];
            if (fromLogits)
            {
                // Stable form: max(x, 0) − x·y + log(1 + e^−|x|); the gradient is σ(x) − y.
                sum += T.Max(x, T.Zero) - x * y + T.Log(T.One + T.Exp(-T.Abs(x)));
                gradient[j] = (T.One / (T.One + T.Exp(-x)) - y) / count;
            }
            else
            {
                // Keras clips probabilities to [ε, 1 − ε]; outside that range the clip has no gradient.
                T p = T.Clamp(x, epsilon, T.One - epsilon);
                sum -= y * T.Log(p) + (T.One - y) * T.Log(T.One - p);
                gradient[j] = x > epsilon && x < T.One - epsilon ? (-(y / p) + (T.One - y) / (T.One - p)) / count : T.Zero;
            }
        }
        return sum / count;
    }
}

internal sealed class CategoricalCrossentropyLoss(bool fromLogits, bool sparse, double labelSmoothing) : Loss
{
    public override string Name => sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy";

    public override bool FromLogits => fromLogits;

    public override int TargetWidth(int predictionWidth) => sparse ? 1 : predictionWidth;

    public override Loss? FusedWith(string activation) =>
        !fromLogits && activation == "softmax" ? new CategoricalCrossentropyLoss(true, sparse, labelSmoothing) : null;

    protected override T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
    {
        int classes = prediction.Length;
        int label = -1;
        if (sparse)
        {
            T value = target[0];
            if (!T.IsInteger(value) || value < T.Zero || value >= T.CreateChecked(classes))
                throw new ArgumentException($"{Name}: label {value} in row {row} is not a class index in [0, {classes}).");
            label = int.CreateChecked(value);
        }
        T smoothing = T.CreateChecked(labelSmoothing), share = smoothing / T.CreateChecked(classes);

        if (fromLogits)
        {
            // ℓ = −Σ yⱼ·log softmax(x)ⱼ computed through log-sum-exp; the gradient is softmax(x)·Σy − y.
            T max = T.NegativeInfinity;
            foreach (T x in prediction) max = T.Max(max, x);
            T sumExp = T.Zero;
            foreach (T x in prediction) sumExp += T.Exp(x - max);
            T logSum = max + T.Log(sumExp), loss = T.Zero, targetSum = T.Zero;
            for (int j = 0; j < classes; j++) targetSum += TargetAt(target, j, label, smoothing, share);
            for (int j = 0; j < classes; j++)
            {
                T y = TargetAt(target, j, label, smoothing, share);
                loss -= y * (prediction[j] - logSum);
                gradient[j] = T.Exp(prediction[j] - logSum) * targetSum - y;
            }
            return loss;
        }

        // Keras normalises the probabilities to sum 1, clips them to [ε, 1 − ε], then ℓ = −Σ yⱼ·log qⱼ.
        // With q = p / S: dℓ/dpₖ = (gₖ − Σⱼ gⱼ·qⱼ) / S where gⱼ = dℓ/dqⱼ (zero where the clip is active).
        T total = T.Zero, epsilon = Epsilon<T>(), result = T.Zero, weighted = T.Zero;
        foreach (T p in prediction) total += p;
        for (int j = 0; j < classes; j++)
        {
            T q = prediction[j] / total, y = TargetAt(target, j, label, smoothing, share);
            T clipped = T.Clamp(q, epsilon, T.One - epsilon);
            result -= y * T.Log(clipped);
            gradient[j] = q > epsilon && q < T.One - epsilon ? -y / clipped : T.Zero;
            weighted += gradient[j] * q;
        }
        for (int j = 0; j < classes; j++) gradient[j] = (gradient[j] - weighted) / total;
        return result;
    }

    // The target probability of class j: one-hot for a sparse label, else the (label-smoothed) target row.
    private T TargetAt<T>(ReadOnlySpan<T> target, int j, int label, T smoothing, T share) where T : struct, IFloatingPointIeee754<T> =>
        (sparse ? (j == label ? T.One : T.Zero) : target[j]) * (T.One - smoothing) + share;
}
