using Recurrent.Metrics;
using Recurrent.Tensors;

namespace Recurrent.Tests.Metrics;

public class MetricTests
{
    private static double Evaluate(string name, Tensor<double> target, Tensor<double> prediction, double[]? weights = null)
    {
        Metric metric = Metric.FromName(name);
        metric.Update(target, prediction, weights ?? []);
        return metric.Result();
    }

    [Fact]
    public void Accuracy_is_resolved_from_the_shapes_as_keras_does()
    {
        // One output per row: binary (threshold 0.5).
        Assert.Equal(0.5, Evaluate("accuracy", Tensor<double>.FromValues([1, 0], 2, 1), Tensor<double>.FromValues([0.7, 0.6], 2, 1)));
        // Labels against class scores: sparse categorical.
        Assert.Equal(1.0, Evaluate("accuracy", Tensor<double>.FromValues([2, 0], 2), Tensor<double>.FromValues([0.1, 0.2, 0.7, 0.9, 0.05, 0.05], 2, 3)));
        // One-hot against class scores: categorical.
        Assert.Equal(0.5, Evaluate("accuracy", Tensor<double>.FromValues([0, 0, 1, 0, 1, 0], 2, 3), Tensor<double>.FromValues([0.1, 0.2, 0.7, 0.9, 0.05, 0.05], 2, 3)));
    }

    [Fact]
    public void Regression_metrics_and_weights()
    {
        var target = Tensor<double>.FromValues([0, 0, 0], 3, 1);
        var prediction = Tensor<double>.FromValues([1, -2, 4], 3, 1);
        Assert.Equal(7.0 / 3, Evaluate("mae", target, prediction), 12);
        Assert.Equal(21.0 / 3, Evaluate("mse", target, prediction), 12);
        Assert.Equal(Math.Sqrt(7), Evaluate("rmse", target, prediction), 12);
        Assert.Equal(1.5, Evaluate("mae", target, prediction, [1, 1, 0]), 12);
    }

    [Fact]
    public void Precision_recall_f1_and_top_k()
    {
        var target = Tensor<double>.FromValues([1, 1, 0, 0], 4, 1);
        var prediction = Tensor<double>.FromValues([0.9, 0.2, 0.8, 0.1], 4, 1);
        Assert.Equal(0.5, Evaluate("precision", target, prediction));
        Assert.Equal(0.5, Evaluate("recall", target, prediction));
        Assert.Equal(0.5, Evaluate("f1", target, prediction));
        var scores = Tensor<double>.FromValues([0.1, 0.2, 0.3, 0.05, 0.06, 0.07, 0.08, 0.09, 0.0, 0.01], 1, 10);
        // Class 6 (0.08) has four larger scores, so it is in the top 5; class 5 (0.07) has five.
        Assert.Equal(1.0, Evaluate("sparse_top_k_categorical_accuracy", Tensor<double>.FromValues([6], 1), scores));
        Assert.Equal(0.0, Evaluate("sparse_top_k_categorical_accuracy", Tensor<double>.FromValues([5], 1), scores));
    }
}
