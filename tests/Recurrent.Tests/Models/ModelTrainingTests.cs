using Recurrent.Callbacks;
using Recurrent.Kernels;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;
using Recurrent.Tests.Layers;

namespace Recurrent.Tests.Models;

[Collection(nameof(Kernels.GemmTests))]
public class ModelTrainingTests
{
    // Padded id sequences (0 = padding) with per-step labels for a masked sequence tagger.
    private static readonly Tensor<double> Ids = Tensor<double>.FromValues([0, 0, 3, 1, 2, 4, 4, 1, 0, 2, 1, 0], 3, 4);
    private static readonly Tensor<double> Tags = Tensor<double>.FromValues([0, 0, 2, 1, 1, 0, 0, 1, 0, 2, 1, 0], 3, 4);

    private static Sequential<double> Tagger(int seed) => new(
        [new Embedding<double>(5, 3, maskZero: true), new Lstm<double>(4, returnSequences: true),
         new TimeDistributed<double>(new Dense<double>(3, "softmax"))], inputShape: [4], seed: seed);

    [Fact]
    public void Whole_masked_model_matches_finite_differences_through_the_fused_softmax_loss()
    {
        Sequential<double> model = Tagger(1);
        // A zero learning rate leaves the weights as they are and the gradients in place for inspection.
        model.Compile(new Sgd(0), Loss.SparseCategoricalCrossentropy());
        model.TrainOnBatch(Ids, Tags);
        double ModelLoss() => model.Evaluate(Ids, Tags)["loss"];
        FiniteDifferences.AssertMatches(ModelLoss, FiniteDifferences.ParameterChecks(model.Parameters).ToList());
    }

    [Fact]
    public void Masked_loss_is_the_mean_over_real_steps_only()
    {
        Sequential<double> model = Tagger(2);
        model.Compile(new Sgd(0), Loss.SparseCategoricalCrossentropy());
        Tensor<double> probabilities = model.Predict(Ids);
        double expected = 0;
        int real = 0;
        for (int i = 0; i < Ids.Length; i++)
        {
            if (Ids.Span[i] == 0) continue;
            expected -= Math.Log(probabilities.Span[i * 3 + (int)Tags.Span[i]]);
            real++;
        }
        Assert.Equal(expected / real, model.Evaluate(Ids, Tags)["loss"], 12);
    }

    private static (IReadOnlyList<Tensor<float>> Weights, IReadOnlyList<double> Losses) TrainGru(int threads)
    {
        int saved = Gemm.MaxDegreeOfParallelism;
        Gemm.MaxDegreeOfParallelism = threads;
        try
        {
            var random = new Random(5);
            var x = Tensor<float>.Zeros(64, 20, 16);
            var y = Tensor<float>.Zeros(64, 1);
            for (int i = 0; i < x.Length; i++) x.Span[i] = (float)(random.NextDouble() * 2 - 1);
            for (int i = 0; i < y.Length; i++) y.Span[i] = random.Next(2);
            var model = new Sequential<float>([new Gru<float>(96, returnSequences: true), new Dropout<float>(0.3),
                new Lstm<float>(96), new Dense<float>(1, "sigmoid")], inputShape: [20, 16], seed: 42);
            model.Compile(new Adam(0.01), Loss.BinaryCrossentropy(), "accuracy");
            History history = model.Fit(x, y, epochs: 3, batchSize: 16, verbose: 0);
            return (model.GetWeights(), history["loss"]);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_initial_weights_inside_wrappers_too()
    {
        // Bidirectional's directions and TimeDistributed's layer have no seed of their own: they take one from the model.
        static Sequential<float> Build() => new([new Bidirectional<float>(new Lstm<float>(3, returnSequences: true)),
            new TimeDistributed<float>(new Dense<float>(2))], [4, 2], seed: 9);
        IReadOnlyList<Tensor<float>> first = Build().GetWeights(), second = Build().GetWeights();
        for (int i = 0; i < first.Count; i++) Assert.Equal(first[i].Data, second[i].Data);
        // The two directions still start apart.
        Assert.NotEqual(first[0].Data, first[3].Data);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_and_losses_with_one_and_two_threads()
    {
        var first = TrainGru(1);
        var again = TrainGru(1);
        var twoThreads = TrainGru(2);
        Assert.Equal(first.Losses, again.Losses);
        Assert.Equal(first.Losses, twoThreads.Losses);
        for (int i = 0; i < first.Weights.Count; i++)
        {
            Assert.Equal(first.Weights[i].Data, again.Weights[i].Data);
            Assert.Equal(first.Weights[i].Data, twoThreads.Weights[i].Data);
        }
    }

    private static Sequential<float> SmallModel()
    {
        var model = new Sequential<float>([new SimpleRnn<float>(4), new Dense<float>(3, "softmax")], inputShape: [3, 2], seed: 1, name: "toy");
        model.Compile(new Adam(), Loss.SparseCategoricalCrossentropy(), "accuracy");
        return model;
    }

    [Fact]
    public void Fit_with_mismatched_sample_counts_says_both_counts()
    {
        var error = Assert.Throws<ArgumentException>(() => SmallModel().Fit(Tensor<float>.Zeros(5, 3, 2), Tensor<float>.Zeros(4), verbose: 0));
        Assert.Equal("Fit: x has 5 samples but y has 4.", error.Message);
    }

    [Fact]
    public void Fit_with_a_label_out_of_range_names_the_label_and_its_place()
    {
        var error = Assert.Throws<ArgumentException>(() => SmallModel().Fit(Tensor<float>.Zeros(2, 3, 2), Tensor<float>.FromValues([1, 3], 2), verbose: 0));
        Assert.Equal("Fit: y[1] = 3 is not a class index in [0, 3) for sparse_categorical_crossentropy (the model outputs 3 classes).", error.Message);
    }

    [Fact]
    public void Fit_with_nan_in_the_input_names_where()
    {
        var x = Tensor<float>.Zeros(2, 3, 2);
        x[1, 2, 0] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => SmallModel().Fit(x, Tensor<float>.Zeros(2), verbose: 0));
        Assert.Equal("Fit: x contains NaN at x[1, 2, 0] (sample 1).", error.Message);
    }

    [Fact]
    public void Fit_with_a_wrong_input_shape_names_both_shapes()
    {
        var error = Assert.Throws<ShapeException>(() => SmallModel().Fit(Tensor<float>.Zeros(2, 3, 5), Tensor<float>.Zeros(2), verbose: 0));
        Assert.Equal("Fit: x expected shape [batch, 3, 2] for model 'toy', got [2, 3, 5].", error.Message);
    }

    [Fact]
    public void Predict_on_an_unbuilt_model_says_how_to_build_it()
    {
        var model = new Sequential<float>([new Lstm<float>(4)], name: "unbuilt");
        var error = Assert.Throws<InvalidOperationException>(() => model.Predict(Tensor<float>.Zeros(1, 3, 2)));
        Assert.Equal("Predict: model 'unbuilt' is not built; call Build(inputShape) or Fit first.", error.Message);
    }

    [Fact]
    public void Fit_that_diverges_names_the_epoch_and_batch()
    {
        var model = new Sequential<float>([new Dense<float>(1)], inputShape: [1], seed: 1);
        model.Compile(new Sgd(1e30), Loss.MeanSquaredError);
        var x = Tensor<float>.FromValues([1e10f, 2e10f], 2, 1);
        var error = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, x, epochs: 5, batchSize: 1, shuffle: false, verbose: 0));
        Assert.Matches(@"at epoch \d+, batch \d+", error.Message);
    }

    [Fact]
    public void Verbose_one_prints_a_keras_like_line_per_epoch_and_zero_prints_nothing()
    {
        var model = SmallModel();
        var log = new StringWriter();
        model.Log = log;
        var x = Tensor<float>.Zeros(10, 3, 2);
        var y = Tensor<float>.Zeros(10);
        model.Fit(x, y, epochs: 2, batchSize: 4, validationSplit: 0.2, verbose: 1);
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Epoch 1/2", lines[0]);
        Assert.Matches(@"^2/2 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$", lines[1]);
        Assert.Equal("Epoch 2/2", lines[2]);

        var quiet = new StringWriter();
        model.Log = quiet;
        model.Fit(x, y, epochs: 2, verbose: 0);
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void Early_stopping_stops_and_restores_the_best_weights()
    {
        var model = SmallModel();
        var x = Tensor<float>.Zeros(8, 3, 2);
        var y = Tensor<float>.Zeros(8);
        // A learning rate so large the validation loss cannot keep improving.
        model.Compile(new Sgd(50), Loss.SparseCategoricalCrossentropy());
        var stopping = new EarlyStopping(monitor: "loss", patience: 1, restoreBestWeights: true);
        var best = new List<IReadOnlyList<Tensor<float>>>();
        History history = model.Fit(x, y, epochs: 50, verbose: 0, callbacks: [stopping]);
        Assert.NotNull(stopping.StoppedEpoch);
        Assert.True(history.Epochs.Count < 50);
        Assert.Equal(history["loss"].Min(), stopping.Best);
    }
}
