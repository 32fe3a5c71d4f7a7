using Recurrent.Losses;
using Recurrent.Tensors;
using Recurrent.Tests.Layers;

namespace Recurrent.Tests.Losses;

public class LossTests
{
    private static Tensor<double> Values(int seed, double min, double max, params int[] shape)
    {
        var random = new Random(seed);
        var t = Tensor<double>.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = min + (max - min) * random.NextDouble();
        return t;
    }

    private static void CheckGradient(Loss loss, Tensor<double> target, Tensor<double> prediction, double[]? rowWeights = null)
    {
        var gradient = new double[prediction.Length];
        loss.Compute(target, prediction, rowWeights ?? [], gradient);
        double Value() => loss.Compute(target, prediction, rowWeights ?? [], new double[prediction.Length]);
        FiniteDifferences.AssertMatches(Value, [("prediction", prediction, gradient)]);
    }

    public static TheoryData<string> RegressionLosses() => ["mse", "mae", "huber"];

    [Theory]
    [MemberData(nameof(RegressionLosses))]
    public void Regression_loss_matches_finite_differences(string name) =>
        CheckGradient(Loss.FromName(name), Values(1, -2, 2, 4, 3), Values(2, -2, 2, 4, 3), [1, 0.5, 0, 2]);

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(true, 0.2)]
    public void Binary_crossentropy_matches_finite_differences(bool fromLogits, double smoothing) =>
        CheckGradient(Loss.BinaryCrossentropy(fromLogits, smoothing), Values(3, 0, 1, 5, 2), fromLogits ? Values(4, -3, 3, 5, 2) : Values(4, 0.05, 0.95, 5, 2));

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(true, 0.1)]
    [InlineData(false, 0.2)]
    public void Categorical_crossentropy_matches_finite_differences(bool fromLogits, double smoothing)
    {
        Tensor<double> target = Tensor<double>.FromValues([0, 1, 0, 0.2, 0.3, 0.5], 2, 3);
        Tensor<double> prediction = fromLogits ? Values(5, -3, 3, 2, 3) : Values(5, 0.1, 1.0, 2, 3);
        CheckGradient(Loss.CategoricalCrossentropy(fromLogits, smoothing), target, prediction);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sparse_categorical_crossentropy_matches_finite_differences_on_sequences(bool fromLogits)
    {
        Tensor<double> labels = Tensor<double>.FromValues([0, 2, 1, 1, 0, 2], 2, 3);
        Tensor<double> prediction = fromLogits ? Values(6, -3, 3, 2, 3, 3) : Values(6, 0.1, 1.0, 2, 3, 3);
        CheckGradient(Loss.SparseCategoricalCrossentropy(fromLogits), labels, prediction, [1, 1, 0, 1, 2, 1]);
    }

    // PyTorch's CrossEntropyLoss(label_smoothing=ε): −Σⱼ ((1 − ε)·[j = y] + ε/C)·log softmax(x)ⱼ, the same as
    // categorical cross-entropy with a smoothed one-hot target.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sparse_labels_with_smoothing_equal_smoothed_one_hot_targets_and_match_finite_differences(bool fromLogits)
    {
        Tensor<double> labels = Tensor<double>.FromValues([0, 2, 1, 1, 0, 2], 2, 3);
        Tensor<double> oneHot = Tensor<double>.Zeros(2, 3, 3);
        for (int r = 0; r < 6; r++) oneHot.Span[r * 3 + (int)labels.Span[r]] = 1;
        Tensor<double> prediction = fromLogits ? Values(6, -3, 3, 2, 3, 3) : Values(6, 0.1, 1.0, 2, 3, 3);
        double sparse = Loss.SparseCategoricalCrossentropy(fromLogits, 0.2).Compute(labels, prediction, [], new double[18]);
        double dense = Loss.CategoricalCrossentropy(fromLogits, 0.2).Compute(oneHot, prediction, [], new double[18]);

        Assert.Equal(dense, sparse, 1e-15);
        CheckGradient(Loss.SparseCategoricalCrossentropy(fromLogits, 0.2), labels, prediction, [1, 1, 0, 1, 2, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.SparseCategoricalCrossentropy(labelSmoothing: 1.5));
    }

    [Fact]
    public void Known_values_follow_keras_definitions()
    {
        double Compute(Loss loss, double[] y, double[] p, params int[] shape) =>
            loss.Compute(Tensor<double>.FromValues(y, shape), Tensor<double>.FromValues(p, shape), [], new double[p.Length]);
        Assert.Equal(((1 - 3.0) * (1 - 3.0) + 0) / 2 / 1, Compute(Loss.MeanSquaredError, [1, 2], [3, 2], 1, 2), 12);
        Assert.Equal((0.5 * 0.25 + (2.0 - 0.5)) / 2, Compute(Loss.Huber(), [0, 0], [0.5, 2], 1, 2), 12);
        Assert.Equal(-Math.Log(0.8), Compute(Loss.BinaryCrossentropy(), [1], [0.8], 1, 1), 12);
        Assert.Equal(-(0.9 * Math.Log(0.8) + 0.1 * Math.Log(0.2)), Compute(Loss.BinaryCrossentropy(labelSmoothing: 0.2), [1], [0.8], 1, 1), 12);
        // Probabilities are renormalised before the log, as Keras does: [2, 6] → [0.25, 0.75].
        Assert.Equal(-Math.Log(0.75), Compute(Loss.CategoricalCrossentropy(), [0, 1], [2, 6], 1, 2), 12);
        // Clipping at ε = 1e-7 keeps a zero probability finite.
        Assert.Equal(-Math.Log(1e-7), Compute(Loss.BinaryCrossentropy(), [1], [0], 1, 1), 6);
    }

    [Fact]
    public void Weighted_rows_are_averaged_over_all_rows()
    {
        var target = Tensor<double>.FromValues([0, 0], 2, 1);
        var prediction = Tensor<double>.FromValues([1, 2], 2, 1);
        // Keras' sum_over_batch_size: (2·1 + 0·4) / 2 rows.
        Assert.Equal(1.0, Loss.MeanSquaredError.Compute(target, prediction, [2.0, 0.0], new double[2]));
    }

    [Fact]
    public void Sparse_label_out_of_range_names_the_row()
    {
        var error = Assert.Throws<ArgumentException>(() => Loss.SparseCategoricalCrossentropy().Compute(
            Tensor<double>.FromValues([1, 3], 2), Tensor<double>.FromValues([0.5, 0.5, 0.5, 0.5], 2, 2), [], new double[4]));
        Assert.Equal("sparse_categorical_crossentropy: label 3 in row 1 is not a class index in [0, 2).", error.Message);
    }

    [Fact]
    public void Target_of_the_wrong_shape_names_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => Loss.MeanSquaredError.Compute(
            Tensor<double>.Zeros(3, 2), Tensor<double>.Zeros(3, 1), [], new double[3]));
        Assert.Equal("mean_squared_error: target expected shape [3, 1] for prediction [3, 1], got [3, 2].", error.Message);
    }
}
