using System.Globalization;
using System.Text;
using Recurrent.Layers;

namespace Recurrent.Models;

public partial class Functional<T>
{
    /// <summary>Whether the summary lists the inputs and a "Connected to" column (Keras' functional summary) or not (Sequential's).</summary>
    private protected virtual bool SummaryShowsConnections => true;

    /// <summary>
    /// Keras 3's summary table — layer name and type, output shape with None for the batch, parameter count and, for
    /// a functional model, the inputs and each layer's "Connected to" (<c>layer[node][tensor]</c> per tensor it reads,
    /// one line each) — and the total / trainable / non-trainable counts with their size in memory. A shared layer is
    /// one row, counted once. Written to <see cref="Model{T}.Log"/> and returned.
    /// </summary>
    public string Summary()
    {
        bool graph = SummaryShowsConnections;
        int[] widths = graph ? [29, 22, 11, 30] : [33, 24, 15];
        string[] headers = graph ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
        var rows = new List<string[]>();
        if (graph)
            foreach (Input<T> input in _inputs) rows.Add([$"{input.Name} (InputLayer)", input.ShapeText, "0", "-"]);
        foreach (Layer<T> layer in Layers)
        {
            GraphNode<T>[] nodes = _nodes.Where(n => n.Layer == layer).ToArray();
            string shape = nodes.Length == 0 ? "?" : string.Join("\n", nodes[0].Outputs.Select(o => o.ShapeText));
            string count = layer.IsBuilt ? Count(layer.Parameters.Sum(p => (long)p.Value.Length)) : "0 (unbuilt)";
            string connected = string.Join("\n", nodes.SelectMany(n => n.Inputs).Select(TensorReference));
            rows.Add(graph ? [$"{layer.Name} ({layer.TypeName})", shape, count, connected] : [$"{layer.Name} ({layer.TypeName})", shape, count]);
        }

        var text = new StringBuilder();
        text.Append($"Model: \"{Name}\"\n");
        string Rule(char left, char fill, char middle, char right) =>
            left + string.Join(middle, widths.Select(w => new string(fill, w))) + right + "\n";
        // Column 2 (the count) is right-aligned; a cell with several lines makes the row that tall.
        void Row(char border, string[] cells)
        {
            string[][] lines = cells.Select(c => c.Split('\n')).ToArray();
            for (int line = 0; line < lines.Max(l => l.Length); line++)
            {
                text.Append(border);
                for (int c = 0; c < cells.Length; c++)
                {
                    string cell = line < lines[c].Length ? lines[c][line] : "";
                    text.Append(' ').Append(c == 2 ? cell.PadLeft(widths[c] - 2) : Fit(cell, widths[c] - 2)).Append(' ').Append(border);
                }
                text.Append('\n');
            }
        }
        text.Append(Rule('┏', '━', '┳', '┓'));
        Row('┃', headers);
        text.Append(Rule('┡', '━', '╇', '┩'));
        for (int r = 0; r < rows.Count; r++)
        {
            Row('│', rows[r]);
            text.Append(r < rows.Count - 1 ? Rule('├', '─', '┼', '┤') : Rule('└', '─', '┴', '┘'));
        }
        long total = Layers.Sum(l => l.Parameters.Sum(p => (long)p.Value.Length));
        long trainable = Layers.Where(l => l.Trainable).Sum(l => l.Parameters.Sum(p => (long)p.Value.Length));
        int bytes = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        text.Append($" Total params: {Count(total)} ({Memory(total * bytes)})\n");
        text.Append($" Trainable params: {Count(trainable)} ({Memory(trainable * bytes)})\n");
        text.Append($" Non-trainable params: {Count(total - trainable)} ({Memory((total - trainable) * bytes)})\n");
        Log.Write(text.ToString());
        return text.ToString();
    }

    private string TensorReference(GraphTensor<T> tensor) => tensor.Producer is GraphNode<T> producer
        ? $"{producer.Layer.Name}[{_nodeIndex[Array.IndexOf(_nodes, producer)]}][{tensor.OutputIndex}]"
        : $"{((Input<T>)tensor).Name}[0][0]";

    private static string Fit(string text, int width) => text.Length > width ? text[..(width - 1)] + "…" : text.PadRight(width);

    private static string Count(long count) => count.ToString("#,0", CultureInfo.InvariantCulture);

    // Keras: base 1024, two decimals, units B, KB, MB, GB.
    private static string Memory(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double size = bytes;
        int unit = 0;
        while (size >= 1024 && unit < units.Length - 1) { size /= 1024; unit++; }
        return size.ToString("0.00", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
