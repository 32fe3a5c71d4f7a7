using Recurrent.Randomness;

namespace Recurrent.Tests.Randomness;

public class ResumableRandomTests
{
    public static TheoryData<int> Seeds => new([0, 1, 42, -5, 1_000_003, int.MinValue, int.MaxValue]);

    // Every kind of draw the library makes (and the others Random has), in an order that mixes them.
    private static List<double> Draws(Random random, int rounds)
    {
        var values = new List<double>();
        var bytes = new byte[5];
        int[] order = Enumerable.Range(0, 9).ToArray();
        for (int i = 0; i < rounds; i++)
        {
            values.Add(random.NextDouble());
            values.Add(random.Next());
            values.Add(random.Next(i + 1));
            values.Add(random.Next(-i, 3 * i + 1));
            values.Add(random.Next(int.MinValue + i, int.MaxValue - i));
            values.Add(random.NextSingle());
            values.Add(random.NextInt64());
            values.Add(random.NextInt64(-(1L << 40), 1L << 41));
            random.NextBytes(bytes);
            values.AddRange(bytes.Select(b => (double)b));
            random.Shuffle(order);
            values.AddRange(order.Select(v => (double)v));
        }
        return values;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seeded_draws_equal_system_random_with_the_same_seed(int seed) =>
        Assert.Equal(Draws(new Random(seed), 3000), Draws(new ResumableRandom(seed), 3000));

    [Fact]
    public void A_restored_state_continues_the_same_sequence()
    {
        var original = new ResumableRandom(7);
        Draws(original, 123);
        var resumed = ResumableRandom.FromState(original.GetState());
        Assert.Equal(Draws(original, 500), Draws(resumed, 500));
    }

    [Fact]
    public void A_damaged_state_is_refused()
    {
        int[] state = new ResumableRandom(3).GetState();
        Assert.Throws<ArgumentException>(() => ResumableRandom.FromState(state[..^1]));
        int[] badValue = (int[])state.Clone();
        badValue[5] = -1;
        Assert.Contains("state value 5 is -1", Assert.Throws<ArgumentException>(() => ResumableRandom.FromState(badValue)).Message);
        int[] badPosition = (int[])state.Clone();
        badPosition[^1] = 3;
        Assert.Throws<ArgumentException>(() => ResumableRandom.FromState(badPosition));
    }
}
