namespace Recurrent.Randomness;

/// <summary>
/// The generator behind <c>new Random(seed)</c> (Knuth's subtractive method, which .NET keeps for seeded instances),
/// with a state that can be saved and restored. Training resumed from a checkpoint must draw exactly the numbers the
/// uninterrupted run would have drawn (dropout masks, shuffles), and <see cref="Random"/> does not expose its state.
/// Seeded the same, it returns the same numbers as <c>new Random(seed)</c> for every method, so results from before
/// checkpoints existed are unchanged.
/// </summary>
public sealed class ResumableRandom : Random
{
    private const int TableSize = 56;
    private const int StateLength = TableSize + 2;

    // Entries 1..55 are the generator's lagged values; entry 0 is unused, as in Knuth's description.
    private readonly int[] _table = new int[TableSize];
    private int _index, _lagIndex;

    /// <summary>Seeds the generator as <c>new Random(<paramref name="seed"/>)</c> does.</summary>
    public ResumableRandom(int seed)
    {
        int value = 161803398 - (seed == int.MinValue ? int.MaxValue : Math.Abs(seed));
        _table[55] = value;
        int previous = 1;
        for (int i = 1, slot = 0; i < 55; i++)
        {
            slot = (slot + 21) % 55;
            _table[slot] = previous;
            previous = value - previous;
            if (previous < 0) previous += int.MaxValue;
            value = _table[slot];
        }
        // Four rounds of mixing so that nearby seeds give unrelated sequences.
        for (int round = 0; round < 4; round++)
            for (int i = 1; i < TableSize; i++)
            {
                _table[i] -= _table[1 + (i + 30) % 55];
                if (_table[i] < 0) _table[i] += int.MaxValue;
            }
        _index = 0;
        _lagIndex = 21;
    }

    private ResumableRandom(ReadOnlySpan<int> state)
    {
        state[..TableSize].CopyTo(_table);
        _index = state[TableSize];
        _lagIndex = state[TableSize + 1];
    }

    /// <summary>The whole state (58 integers); <see cref="FromState"/> continues from it.</summary>
    public int[] GetState() => [.. _table, _index, _lagIndex];

    /// <summary>A generator that continues exactly where the one that gave <paramref name="state"/> was.</summary>
    /// <exception cref="ArgumentException">The state is not one <see cref="GetState"/> can return.</exception>
    public static ResumableRandom FromState(ReadOnlySpan<int> state)
    {
        if (state.Length != StateLength)
            throw new ArgumentException($"ResumableRandom: a state has {StateLength} values, got {state.Length}.", nameof(state));
        for (int i = 0; i < TableSize; i++)
            if (state[i] < 0 || state[i] == int.MaxValue)
                throw new ArgumentException($"ResumableRandom: state value {i} is {state[i]}, outside [0, {int.MaxValue}).", nameof(state));
        int index = state[TableSize], lag = state[TableSize + 1];
        if (index is < 0 or >= TableSize || lag is < 0 or >= TableSize || (lag - index + TableSize - 1) % (TableSize - 1) != 21 % (TableSize - 1))
            throw new ArgumentException($"ResumableRandom: state positions {index} and {lag} are not 21 apart in [0, {TableSize}).", nameof(state));
        return new ResumableRandom(state);
    }

    // The next value in [0, int.MaxValue).
    private int NextValue()
    {
        if (++_index >= TableSize) _index = 1;
        if (++_lagIndex >= TableSize) _lagIndex = 1;
        int value = _table[_index] - _table[_lagIndex];
        if (value == int.MaxValue) value--;
        if (value < 0) value += int.MaxValue;
        _table[_index] = value;
        return value;
    }

    // A double in [0, 1) with more than 31 random bits, for ranges wider than int.MaxValue.
    private double WideSample()
    {
        int value = NextValue();
        if (NextValue() % 2 == 0) value = -value;
        return (value + (double)(int.MaxValue - 1)) / (2.0 * int.MaxValue - 1);
    }

    /// <inheritdoc/>
    protected override double Sample() => NextValue() * (1.0 / int.MaxValue);

    /// <inheritdoc/>
    public override int Next() => NextValue();

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(Sample() * maxValue);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        long range = (long)maxValue - minValue;
        return range <= int.MaxValue ? (int)(Sample() * range) + minValue : (int)((long)(WideSample() * range) + minValue);
    }

    /// <inheritdoc/>
    public override double NextDouble() => Sample();

    /// <inheritdoc/>
    public override float NextSingle() => (float)Sample();

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)NextValue();
    }
}
