using System.CommandLine;
using Recurrent.Cli.Commands;
using Recurrent.IO;
using Recurrent.Tensors;

namespace Recurrent.Cli;

/// <summary>Bad usage or bad input: exit code 1 with this one-line message.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The <c>recurrent</c> command. Exit codes: 0 success; 1 bad usage or bad input, with a one-line message naming
/// the file, row or option and what is wrong; 2 an internal error.
/// </summary>
public static class Cli
{
    /// <summary>Runs the command line <paramref name="args"/>, writing results to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = new CliConsole(output, error);
        var root = new RootCommand("Recurrent: train, evaluate and run SimpleRNN, LSTM and GRU models.")
        {
            DemoCommand.Create(console),
            TrainCommands.Create(console),
            EvaluateCommand.Create(console),
            PredictCommand.Create(console),
            GenerateCommand.Create(console),
            ForecastCommand.Create(console),
            TranslateCommand.Create(console),
            SummaryCommand.Create(console),
            ExportCommand.Create(console),
            ConvertCommand.Create(console),
            BenchCommand.Create(console),
        };
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            error.WriteLine($"recurrent: {parsed.Errors[0].Message} (see 'recurrent --help')");
            return 1;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            error.WriteLine($"recurrent: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"recurrent: internal error: {OneLine(e.Message)} ({e.GetType().Name})");
            return 2;
        }
    }

    private static bool IsBadInput(Exception e) => e is UsageException or ArgumentException or FileNotFoundException
        or DirectoryNotFoundException or InvalidModelFileException or InvalidDataException or ShapeException or Models.TrainingDivergedException
        or UnauthorizedAccessException or IOException or FormatException or KeyNotFoundException or NotSupportedException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
