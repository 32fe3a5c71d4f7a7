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

    private static void Save(ScottPlot.Plot plot, string path)
    {
        byte[] png = plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
