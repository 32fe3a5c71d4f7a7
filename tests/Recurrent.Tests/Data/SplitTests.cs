using Recurrent.Data;
using Recurrent.Tensors;

namespace Recurrent.Tests.Data;

public class SplitTests
{
    [Fact]
    public void Without_shuffle_the_test_part_is_the_last_samples()
    {
        var (train, test) = Split.TrainTest(10, testFraction: 0.2);

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], train);
        Assert.Equal([8, 9], test);
    }

    [Fact]
    public void Fraction_counts_the_training_part_as_fit_does()
    {
        // floor(7 · 0.7) = 4 training samples, like Fit's validationSplit.
        var (train, test) = Split.TrainTest(7, testFraction: 0.3);

        Assert.Equal(4, train.Length);
        Assert.Equal(3, test.Length);
    }

    [Fact]
    public void Shuffled_split_is_the_same_for_the_same_seed_and_covers_every_sample_once()
    {
        var first = Split.TrainTest(50, testCount: 10, shuffle: true, seed: 7);
        var second = Split.TrainTest(50, testCount: 10, shuffle: true, seed: 7);
        var other = Split.TrainTest(50, testCount: 10, shuffle: true, seed: 8);

        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Test, second.Test);
        Assert.NotEqual(first.Test, other.Test);
        Assert.Equal(Enumerable.Range(0, 50), first.Train.Concat(first.Test).Order());
        Assert.NotEqual(Enumerable.Range(40, 10), first.Test);
    }

    [Fact]
    public void A_split_that_leaves_a_part_empty_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Split.TrainTest(1, testFraction: 0.5));

        Assert.Contains("leaves an empty training or test part", error.Message);
        Assert.Throws<ArgumentException>(() => Split.TrainTest(5, testCount: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.TrainTest(5, testFraction: 1.0));
    }

    [Fact]
    public void Rows_gathers_first_axis_entries_in_index_order()
    {
        Tensor<float> data = Tensor<float>.FromValues([0, 1, 10, 11, 20, 21], 3, 2);

        Tensor<float> picked = Split.Rows(data, [2, 0]);

        Assert.Equal([2, 2], picked.Shape.ToArray());
        Assert.Equal([20f, 21, 0, 1], picked.Data);
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.Rows(data, [3]));
    }
}
