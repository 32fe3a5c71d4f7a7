using System.Text.Json;
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;
using Recurrent.Tests.Golden;

namespace Recurrent.Tests.Models;

/// <summary>
/// 20 training steps against PyTorch from the same initial weights and batches (fixtures made by
/// tests/FixtureScripts/make_training_fixtures.py, in float64), for settings where the optimizers' definitions
/// coincide. Runs in float64 (within 1e-9) and in float32 (within 1e-4).
/// </summary>
public class PyTorchTrainingTests
{
    private static JsonElement Load(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "training", name + ".json"))).RootElement;

    private static Tensor<T> Read<T>(JsonElement e) where T : struct, System.Numerics.IFloatingPointIeee754<T> => GoldenTensor.Read(e).As<T>();

    private static Tensor<T> Transpose<T>(Tensor<T> m) where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        var t = Tensor<T>.Zeros(m.Dim(1), m.Dim(0));
        for (int i = 0; i < m.Dim(0); i++)
            for (int j = 0; j < m.Dim(1); j++)
                t[j, i] = m[i, j];
        return t;
    }

    private static Optimizer NewOptimizer(JsonElement settings)
    {
        double Get(string key) => settings.GetProperty(key).GetDouble();
        return settings.GetProperty("name").GetString() switch
        {
            "sgd" => new Sgd(Get("learning_rate"), Get("momentum"), settings.TryGetProperty("nesterov", out var n) && n.GetBoolean()),
            "adam" => new Adam(Get("learning_rate"), Get("beta_1"), Get("beta_2"), Get("epsilon")),
            _ => new RmsProp(Get("learning_rate"), Get("rho"), epsilon: Get("epsilon")),
        };
    }

    public static TheoryData<string, string> Runs() => new()
    {
        { "embedding_lstm_dense", "sgd_momentum" }, { "embedding_lstm_dense", "sgd_nesterov" },
        { "embedding_lstm_dense", "adam" }, { "embedding_lstm_dense", "rmsprop" },
        { "gru_dense", "sgd_momentum" }, { "gru_dense", "sgd_nesterov" }, { "gru_dense", "adam" }, { "gru_dense", "rmsprop" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void Twenty_steps_match_pytorch_in_float64(string fixture, string run) => Check<double>(fixture, run, 1e-9);

    [Theory]
    [MemberData(nameof(Runs))]
    public void Twenty_steps_match_pytorch_in_float32(string fixture, string run) => Check<float>(fixture, run, 1e-4);

    private static void Check<T>(string fixture, string run, double tolerance) where T : struct, System.Numerics.IFloatingPointIeee754<T>
    {
        JsonElement root = Load(fixture), initial = root.GetProperty("initial"), expected = root.GetProperty("runs").GetProperty(run);
        bool lstm = fixture == "embedding_lstm_dense";
        string rnn = lstm ? "lstm" : "gru";
        RecurrentKind kind = lstm ? RecurrentKind.Lstm : RecurrentKind.Gru;

        Sequential<T> model = lstm
            ? new([new Embedding<T>(10, 4), new Lstm<T>(5), new Dense<T>(3, "softmax")], inputShape: [6])
            : new([new Gru<T>(6), new Dense<T>(1)], inputShape: [5, 3]);
        var weights = new List<Tensor<T>>();
        if (lstm) weights.Add(Read<T>(initial.GetProperty("embedding.weight")));
        weights.AddRange(PyTorchWeights.ToKeras(kind, Read<T>(initial.GetProperty($"{rnn}.weight_ih_l0")), Read<T>(initial.GetProperty($"{rnn}.weight_hh_l0")),
            Read<T>(initial.GetProperty($"{rnn}.bias_ih_l0")), Read<T>(initial.GetProperty($"{rnn}.bias_hh_l0"))));
        weights.Add(Transpose<T>(Read<T>(initial.GetProperty("dense.weight"))));
        weights.Add(Read<T>(initial.GetProperty("dense.bias")));
        model.SetWeights(weights);
        model.Compile(NewOptimizer(expected.GetProperty("optimizer")), lstm ? Loss.SparseCategoricalCrossentropy() : Loss.MeanSquaredError);

        double[] losses = expected.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        int step = 0;
        foreach (JsonElement batch in root.GetProperty("batches").EnumerateArray())
        {
            double loss = model.TrainOnBatch(Read<T>(batch.GetProperty("x")), Read<T>(batch.GetProperty("y")))["loss"];
            Assert.True(Math.Abs(loss - losses[step]) <= tolerance * Math.Max(1, Math.Abs(losses[step])), $"step {step}: loss {loss}, PyTorch {losses[step]}");
            step++;
        }

        JsonElement final = expected.GetProperty("final");
        IReadOnlyList<Tensor<T>> trained = model.GetWeights();
        int offset = lstm ? 1 : 0;
        if (lstm) Compare.Close("embedding.weight", GoldenTensor.Read(final.GetProperty("embedding.weight")).Data, trained[0].Span, tolerance, 0);
        var (weightIh, weightHh, biasIh, _) = PyTorchWeights.FromKeras(kind, trained.Skip(offset).Take(3).ToArray());
        Compare.Close($"{rnn}.weight_ih_l0", GoldenTensor.Read(final.GetProperty($"{rnn}.weight_ih_l0")).Data, weightIh.Span, tolerance, 0);
        Compare.Close($"{rnn}.weight_hh_l0", GoldenTensor.Read(final.GetProperty($"{rnn}.weight_hh_l0")).Data, weightHh.Span, tolerance, 0);
        // Keras keeps one LSTM bias where PyTorch has two; compare their sum. GRU keeps both.
        double[] expectedBias = lstm
            ? GoldenTensor.Read(final.GetProperty("lstm.bias_ih_l0")).Data.Zip(GoldenTensor.Read(final.GetProperty("lstm.bias_hh_l0")).Data, (a, b) => a + b).ToArray()
            : GoldenTensor.Read(final.GetProperty("gru.bias_ih_l0")).Data;
        Compare.Close($"{rnn} bias", expectedBias, biasIh!.Span, lstm ? 2e-4 : 1e-4, 0);
        Compare.Close("dense.weight", GoldenTensor.Read(final.GetProperty("dense.weight")).Data, Transpose<T>(trained[offset + 3]).Span, tolerance, 0);
        Compare.Close("dense.bias", GoldenTensor.Read(final.GetProperty("dense.bias")).Data, trained[offset + 4].Span, tolerance, 0);
    }
}
