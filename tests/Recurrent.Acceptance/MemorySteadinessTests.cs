using System.Diagnostics;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

namespace Recurrent.Acceptance;

/// <summary>Process-wide measurements: nothing else may run meanwhile.</summary>
[CollectionDefinition("memory", DisableParallelization = true)]
public class MemoryCollection;

/// <summary>
/// Issue 9, acceptance 6: 10,000 training steps and 1,000,000 single-sequence predictions leave the managed heap and
/// the process RSS within 10 % of their size after warm-up (the numbers are printed and recorded in docs/reliability.md).
/// </summary>
[Collection("memory")]
public class MemorySteadinessTests
{
    private static (long Heap, long Rss) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static Sequential<float> Classifier()
    {
        var model = new Sequential<float>([new Embedding<float>(50, 16, maskZero: true), new Lstm<float>(32, dropout: 0.1), new Dense<float>(3, "softmax")], [20], seed: 1);
        model.Compile(new Adam(), Loss.SparseCategoricalCrossentropy(), "accuracy");
        return model;
    }

    private static Tensor<float> Ids(int rows, Random random)
    {
        var x = Tensor<float>.Zeros(rows, 20);
        for (int i = 0; i < x.Length; i++) x.Span[i] = i % 20 < 4 ? 0 : random.Next(1, 50);
        return x;
    }

    private static void Steady(string what, int count, int warmUp, Action step)
    {
        for (int i = 0; i < warmUp; i++) step();
        var (heapBefore, rssBefore) = Measure();
        for (int i = 0; i < count; i++) step();
        var (heapAfter, rssAfter) = Measure();
        string report = $"{what}: managed heap {heapBefore / 1024.0 / 1024:0.00} → {heapAfter / 1024.0 / 1024:0.00} MB ({100.0 * (heapAfter - heapBefore) / heapBefore:+0.0;-0.0} %), " +
            $"RSS {rssBefore / 1024.0 / 1024:0.0} → {rssAfter / 1024.0 / 1024:0.0} MB ({100.0 * (rssAfter - rssBefore) / rssBefore:+0.0;-0.0} %)";
        Console.WriteLine(report);
        Assert.True(heapAfter <= heapBefore * 1.10, report);
        Assert.True(rssAfter <= rssBefore * 1.10, report);
    }

    [Fact]
    public void Ten_thousand_training_steps_keep_memory_steady()
    {
        Sequential<float> model = Classifier();
        var random = new Random(2);
        Tensor<float> x = Ids(16, random), y = Tensor<float>.Zeros(16);
        for (int i = 0; i < y.Length; i++) y.Span[i] = random.Next(3);
        Steady("10,000 training steps (LSTM classifier, batch 16)", 10_000, 500, () => model.TrainOnBatch(x, y));
    }

    [Fact]
    public void A_million_single_sequence_predictions_keep_memory_steady()
    {
        Sequential<float> model = Classifier();
        Tensor<float> x = Ids(1, new Random(3));
        Steady("1,000,000 single-sequence predictions", 1_000_000, 20_000, () => model.Predict(x));
    }
}
