using System.Numerics;

namespace Recurrent.Losses;

internal sealed class MeanSquaredErrorLoss : Loss
{
    public override string Name => "mean_squared_error";

    protected override T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
    {
        T sum = T.Zero, count = T.CreateChecked(prediction.Length), two = T.CreateChecked(2);
        for (int j = 0; j < prediction.Length; j++)
        {
            T error = prediction[j] - target[j];
            sum += error * error;
            gradient[j] = two * error / count;
        }
        return sum / count;
    }
}

internal sealed class MeanAbsoluteErrorLoss : Loss
{
    public override string Name => "mean_absolute_error";

    protected override T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
    {
        T sum = T.Zero, count = T.CreateChecked(prediction.Length);
        for (int j = 0; j < prediction.Length; j++)
        {
            T error = prediction[j] - target[j];
            sum += T.Abs(error);
            gradient[j] = T.CreateChecked(T.Sign(error)) / count;
        }
        return sum / count;
    }
}

internal sealed class HuberLoss(double delta) : Loss
{
    public override string Name => "huber";

    // Quadratic within ±δ, linear outside: ½e² or δ(|e| − ½δ), averaged over the last axis.
    protected override T RowLoss<T>(ReadOnlySpan<T> target, ReadOnlySpan<T> prediction, Span<T> gradient, int row)
    {
        T sum = T.Zero, count = T.CreateChecked(prediction.Length), d = T.CreateChecked(delta), half = T.CreateChecked(0.5);
        for (int j = 0; j < prediction.Length; j++)
        {
            T error = prediction[j] - target[j];
            if (T.Abs(error) <= d)
            {
                sum += half * error * error;
                gradient[j] = error / count;
            }
            else
            {
                sum += d * (T.Abs(error) - half * d);
                gradient[j] = d * T.CreateChecked(T.Sign(error)) / count;
            }
        }
        return sum / count;
    }
}
