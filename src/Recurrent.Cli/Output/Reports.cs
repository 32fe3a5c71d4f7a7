using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.IO;
using Spectre.Console;

namespace Recurrent.Cli.Output;

/// <summary>Metric tables for the terminal and the <c>--json</c> report.</summary>
public static class Reports
{
    /// <summary>Writes a table of metrics, one row per data part (train, validation, test).</summary>
    public static void Table(TextWriter output, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> parts)
    {
        string[] metrics = parts.Values.SelectMany(p => p.Keys).Distinct().ToArray();
        var table = new Table().AddColumn("data");
        foreach (string metric in metrics) table.AddColumn(new TableColumn(metric).RightAligned());
        foreach (var (part, values) in parts)
            table.AddRow([part, .. metrics.Select(m => values.TryGetValue(m, out double v) ? Format(v) : "")]);
        Console(output).Write(table);
    }

    /// <summary>A Spectre console that writes to <paramref name="output"/> (so tests and redirection capture it).</summary>
    public static IAnsiConsole Console(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ColorSystemSupport.Detect,
    });

    /// <summary>Writes <c>{"train": {...}, "validation": {...}, "test": {...}}</c> atomically.</summary>
    public static void Json(string path, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> parts, JsonObject? extra = null)
    {
        var root = new JsonObject();
        foreach (var (part, values) in parts)
            root[part] = new JsonObject(values.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(double.IsFinite(kv.Value) ? kv.Value : null))));
        foreach (var (key, value) in extra ?? []) root[key] = value?.DeepClone();
        AtomicFile.WriteAllText(path, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Four decimals, or scientific notation for tiny values.</summary>
    public static string Format(double value) =>
        Math.Abs(value) >= 1e-3 || value == 0 ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString("0.000e+0", CultureInfo.InvariantCulture);
}
