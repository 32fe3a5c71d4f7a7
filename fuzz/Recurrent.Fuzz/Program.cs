// Coverage-guided fuzzing of one reader with AFL through SharpFuzz (see docs/reliability.md for the commands).
//   Recurrent.Fuzz <reader>                 run under afl-fuzz (inputs arrive through SharpFuzz)
//   Recurrent.Fuzz <reader> <file|folder>   replay saved inputs, e.g. the crashes afl-fuzz found
// An input that makes the reader throw anything but its documented refusal is a crash.
using Recurrent.Fuzz;
using SharpFuzz;

ReaderTarget? target = args.Length is 1 or 2 ? ReaderTargets.All.FirstOrDefault(t => t.Name == args[0]) : null;
if (target is null)
{
    Console.Error.WriteLine($"usage: Recurrent.Fuzz <reader> [file|folder]; readers: {string.Join(", ", ReaderTargets.All.Select(t => t.Name))}");
    return 2;
}
string scratch = Path.Combine(Path.GetTempPath(), $"recurrent-fuzz-{Environment.ProcessId}{target.Extension}");

void ReadOne(byte[] bytes)
{
    File.WriteAllBytes(scratch, bytes);
    try { target.Read(scratch); }
    catch (Exception e) when (target.IsRefusal(e, scratch)) { }
}

if (args.Length == 2)
{
    string[] files = Directory.Exists(args[1]) ? Directory.GetFiles(args[1]) : [args[1]];
    foreach (string file in files)
    {
        ReadOne(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: handled");
    }
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    ReadOne(copy.ToArray());
});
return 0;
