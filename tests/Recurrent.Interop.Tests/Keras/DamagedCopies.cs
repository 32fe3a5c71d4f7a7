using Recurrent.IO;

namespace Recurrent.Interop.Tests.Keras;

/// <summary>
/// Damaged copies of a model file, made at run time: truncated at several points and with single bits flipped at
/// deterministic places (dense in the first 4 KB, where HDF5 and zip keep their structure, then spread over the file).
/// Loading each must either succeed (a flipped weight value is undetectable) or throw a typed exception that names
/// the file, within a time limit: never a crash, a hang or an out-of-memory.
/// </summary>
public static class DamagedCopies
{
    public static IEnumerable<(string Label, byte[] Bytes, bool Truncated)> Of(byte[] original, int flips)
    {
        foreach (double fraction in new[] { 0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.99 })
        {
            int length = Math.Min(original.Length - 1, (int)(original.Length * fraction) + (fraction == 0 ? 0 : 1));
            yield return ($"truncated to {length} bytes", original[..length], true);
        }
        var random = new Random(1234);
        for (int i = 0; i < flips; i++)
        {
            int position = i % 2 == 0 ? random.Next(Math.Min(4096, original.Length)) : random.Next(original.Length);
            int bit = random.Next(8);
            byte[] copy = (byte[])original.Clone();
            copy[position] ^= (byte)(1 << bit);
            yield return ($"bit {bit} of byte {position} flipped", copy, false);
        }
    }

    /// <summary>Writes each damaged copy to a temporary folder as <paramref name="fileName"/> and loads it with <paramref name="load"/>.</summary>
    public static void Check(string source, string fileName, Action<string> load, int flips = 60)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"keras-damaged-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            foreach (var (label, bytes, truncated) in Of(File.ReadAllBytes(source), flips))
            {
                string path = Path.Combine(folder, fileName);
                File.WriteAllBytes(path, bytes);
                var run = Task.Run(() =>
                {
                    try { load(path); return null; }
                    catch (Exception e) { return e; }
                });
                Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"{fileName}, {label}: loading did not finish within 30 s");
                // A truncated file always lacks something the loader needs; a flipped bit may land in a weight value.
                if (run.Result is not Exception error)
                {
                    Assert.False(truncated, $"{fileName}, {label}: loaded without error");
                    continue;
                }
                Assert.True(error is InvalidModelFileException or NotSupportedException, $"{fileName}, {label}: untyped {error.GetType().Name}: {error}");
                Assert.True(error.Message.Contains(path, StringComparison.Ordinal), $"{fileName}, {label}: the message does not name the file: {error.Message}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
