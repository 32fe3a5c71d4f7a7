using System.Diagnostics;
using System.Text;
using Recurrent.Fuzz;

namespace Recurrent.Acceptance.Fuzzing;

/// <summary>What a reader did with the damaged inputs it was given.</summary>
public sealed record FuzzReport(string Reader, int Inputs, int Accepted, int Refused, List<string> Failures, long MostAllocated, TimeSpan Slowest, long Limit)
{
    public override string ToString() =>
        $"{Reader}: {Inputs} mutated inputs, {Accepted} read, {Refused} refused with a clear error, {Failures.Count} failures " +
        $"(unhandled exceptions, hangs, allocations over the limit of {Limit / 1024.0 / 1024:0} MB); most allocated by one read {MostAllocated / 1024.0 / 1024:0.0} MB, slowest {Slowest.TotalMilliseconds:0} ms";
}

/// <summary>
/// Deterministic mutation testing of a file reader: from real seed files it makes damaged variants (truncations, bit
/// flips, huge declared sizes, deleted / duplicated / reordered chunks, random bytes) and checks that every one is
/// either read or refused with an exception of an expected type whose message names the file — never another
/// exception, a hang over the time limit, or an allocation over the limit.
/// </summary>
public sealed class MutationFuzzer(ReaderTarget target)
{
    /// <summary>Longest a single read may take before it counts as a hang.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most managed memory a single read may allocate.</summary>
    public long AllocationLimit { get; init; } = 256L << 20;

    /// <summary>A folder that receives a copy of every input that failed (RECURRENT_FUZZ_KEEP), for a reproduction.</summary>
    public string? KeepFailures { get; init; } = Environment.GetEnvironmentVariable("RECURRENT_FUZZ_KEEP");

    // Numbers a damaged header might declare: sizes just past the limits of int and long, negative, zero.
    private static readonly string[] HugeNumbers = ["4294967296", "2147483647", "2147483648", "-1", "0", "99999999999999999999", "9223372036854775807", "1e308"];

    public FuzzReport Run(IReadOnlyList<byte[]> seeds, int inputs, int seed, string folder)
    {
        var random = new Random(seed);
        string path = Path.Combine(folder, $"fuzz-{target.Name}{target.Extension}");
        int accepted = 0, refused = 0;
        long mostAllocated = 0;
        TimeSpan slowest = TimeSpan.Zero;
        var failures = new List<string>();
        for (int i = 0; i < inputs && failures.Count < 20; i++)
        {
            byte[] original = seeds[random.Next(seeds.Count)];
            (byte[] bytes, string how) = Mutate(original, random);
            File.WriteAllBytes(path, bytes);
            long allocated = 0;
            Exception? error = null;
            var watch = Stopwatch.StartNew();
            var attempt = Task.Run(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try { target.Read(path); }
                catch (Exception e) { error = e; }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            if (!attempt.Wait(TimeLimit))
            {
                failures.Add($"input {i} ({how}): still reading after {TimeLimit.TotalSeconds} s");
                Keep(path, i);
                break; // the read still runs in the background
            }
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            mostAllocated = Math.Max(mostAllocated, allocated);
            int failed = failures.Count;
            if (allocated > AllocationLimit)
                failures.Add($"input {i} ({how}): allocated {allocated / 1024 / 1024} MB (limit {AllocationLimit / 1024 / 1024} MB)");
            if (error is null) accepted++;
            else if (target.IsRefusal(error, path)) refused++;
            else failures.Add($"input {i} ({how}): {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
            if (failures.Count > failed) Keep(path, i);
        }
        return new FuzzReport(target.Name, accepted + refused + failures.Count, accepted, refused, failures, mostAllocated, slowest, AllocationLimit);
    }

    private void Keep(string path, int input)
    {
        if (KeepFailures is null) return;
        Directory.CreateDirectory(KeepFailures);
        File.Copy(path, Path.Combine(KeepFailures, $"{target.Name}-{input}{target.Extension}"), overwrite: true);
    }

    private static (byte[] Bytes, string How) Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(8))
        {
            case 0:
            {
                int length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            }
            case 1:
            {
                int flips = 1 + random.Next(8);
                for (int k = 0; k < flips; k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (bytes, $"{flips} bit flips");
            }
            case 2:
                return ReplaceNumber(bytes, random);
            case 3:
            {
                // Overwrite 8 bytes with an extreme little-endian value: a binary length field becomes huge or negative.
                int at = random.Next(Math.Max(1, bytes.Length - 8));
                ulong value = random.Next(3) switch { 0 => ulong.MaxValue, 1 => 0x7FFF_FFFFUL, _ => (ulong)random.NextInt64() };
                for (int k = 0; k < 8 && at + k < bytes.Length; k++) bytes[at + k] = (byte)(value >> (8 * k));
                return (bytes, $"8 bytes at {at} set to {value:X}");
            }
            case 4:
            {
                var (start, length) = Chunk(bytes.Length, random);
                return ([.. bytes[..start], .. bytes[(start + length)..]], $"{length} bytes deleted at {start}");
            }
            case 5:
            {
                var (start, length) = Chunk(bytes.Length, random);
                return ([.. bytes[..(start + length)], .. bytes[start..(start + length)], .. bytes[(start + length)..]], $"{length} bytes at {start} duplicated");
            }
            case 6:
            {
                // Two chunks swap places: entries reordered.
                var (first, length) = Chunk(bytes.Length / 2, random);
                int second = bytes.Length / 2 + random.Next(Math.Max(1, bytes.Length / 2 - length));
                if (second + length > bytes.Length) return (bytes, "unchanged");
                byte[] saved = bytes[first..(first + length)];
                bytes.AsSpan(second, length).CopyTo(bytes.AsSpan(first));
                saved.CopyTo(bytes.AsSpan(second));
                return (bytes, $"{length} bytes at {first} and {second} swapped");
            }
            default:
            {
                int at = random.Next(bytes.Length), count = 1 + random.Next(64);
                for (int k = 0; k < count && at + k < bytes.Length; k++) bytes[at + k] = (byte)random.Next(256);
                return (bytes, $"{count} random bytes at {at}");
            }
        }
    }

    // A run of ASCII digits (a declared size, shape, offset or count in a text header) replaced by an extreme number.
    private static (byte[] Bytes, string How) ReplaceNumber(byte[] bytes, Random random)
    {
        var runs = new List<(int Start, int Length)>();
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!char.IsAsciiDigit((char)bytes[i])) continue;
            int start = i;
            while (i < bytes.Length && char.IsAsciiDigit((char)bytes[i])) i++;
            runs.Add((start, i - start));
        }
        if (runs.Count == 0) return (bytes, "unchanged (no digits)");
        var (at, length) = runs[random.Next(runs.Count)];
        string number = HugeNumbers[random.Next(HugeNumbers.Length)];
        return ([.. bytes[..at], .. Encoding.ASCII.GetBytes(number), .. bytes[(at + length)..]], $"number at {at} replaced by {number}");
    }

    private static (int Start, int Length) Chunk(int size, Random random)
    {
        int length = 1 + random.Next(Math.Max(1, Math.Min(size, 256)));
        return (random.Next(Math.Max(1, size - length)), Math.Min(length, size));
    }
}
