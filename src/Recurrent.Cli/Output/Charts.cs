using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Cli.Output;

/// <summary>PNG charts (ScottPlot), written atomically.</summary>
public static class Charts
{
    private const int Width = 800, Height = 450;

    /// <summary>Training (and validation) loss per epoch.</summary>
    public static void Loss(History history, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Epochs.Select(e => (double)e + 1).ToArray();
        var train = plot.Add.Scatter(epochs, history["loss"].ToArray());
        train.LegendText = "training loss";
        if (history.Values.TryGetValue("val_loss", out List<double>? validation))
            plot.Add.Scatter(epochs, validation.ToArray()).LegendText = "validation loss";
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.ShowLegend();
        Save(plot, path);
    }

    /// <summary>A series with predictions over part of it (and, optionally, a forecast beyond its end).</summary>
    public static void Forecast(double[] series, int predictionStart, double[] predictions, double[]? future, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(Enumerable.Range(0, series.Length).Select(i => (double)i).ToArray(), series).LegendText = "actual";
        if (predictions.Length > 0)
            plot.Add.Scatter(Enumerable.Range(predictionStart, predictions.Length).Select(i => (double)i).ToArray(), predictions).LegendText = "predicted (held out)";
        if (future is { Length: > 0 })
            plot.Add.Scatter(Enumerable.Range(series.Length, future.Length).Select(i => (double)i).ToArray(), future).LegendText = "forecast";
        plot.Title(title);
        plot.XLabel("time step");
        plot.ShowLegend();
        Save(plot, path);
    }

    /// <summary>Attention weights as a heat map: one row per output word, one column per source word.</summary>
    public static void Attention(float[,] weights, IReadOnlyList<string> sourceWords, IReadOnlyList<string> outputWords, string path, string title)
    {
        int rows = weights.GetLength(0), columns = weights.GetLength(1);
        var values = new double[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) values[r, c] = weights[r, c];
        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        // Cell (r, c) is centred on x = c and, row 0 at the top, y = rows − 1 − r.
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), [.. sourceWords]);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(), [.. outputWords]);
        plot.Title(title);
        plot.XLabel("source");
        plot.YLabel("translation");
        Save(plot, path);
    }

    private static void Save(ScottPlot.Plot plot, string path)
    {
        byte[] png = plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
