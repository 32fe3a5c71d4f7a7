// The material's stock-price style forecaster: windows of 10 past values → LSTM(50, return_sequences) → Dropout →
// LSTM(50) → Dropout → Dense(1), on min-max scaled values (the scaler is fitted on the training part only).
// The series is the monthly airline passengers (public figures built into DemoData); the last 24 months are held out.
using Recurrent.Applications;
using Recurrent.Data;
using Recurrent.Layers;
using Recurrent.Losses;
using Recurrent.Models;
using Recurrent.Optimizers;
using Recurrent.Tensors;

double[] series = [.. DemoData.AirlinePassengers];
const int window = 10, test = 24;
var scaler = new MinMaxScaler();
scaler.Fit<double>(series.AsSpan(0, series.Length - test));
float[] scaled = scaler.Transform<double>(series).Select(v => (float)v).ToArray();

var (x, y) = TimeSeries.Windows<float>(scaled.AsSpan(0, series.Length - test), window);
var model = new Sequential<float>(
    [new Lstm<float>(50, returnSequences: true), new Dropout<float>(0.2), new Lstm<float>(50), new Dropout<float>(0.2), new Dense<float>(1)],
    inputShape: [window, 1], seed: 1);
model.Compile(new Adam(), Loss.MeanSquaredError);
model.Summary();
model.Fit(x, y, epochs: 300, batchSize: 16, verbose: 0);

// One-step-ahead predictions for the held-out months, each from the true previous 10 months.
double squared = 0, baseline = 0;
for (int t = series.Length - test; t < series.Length; t++)
{
    var input = Tensor<float>.FromValues(scaled.AsSpan(t - window, window), 1, window, 1);
    double predicted = scaler.InverseTransform<double>([model.Predict(input)[0, 0]])[0];
    squared += Math.Pow(predicted - series[t], 2);
    baseline += Math.Pow(series[t - 1] - series[t], 2);
}
Console.WriteLine($"held-out RMSE {Math.Sqrt(squared / test):0.0} (persistence baseline {Math.Sqrt(baseline / test):0.0}) thousand passengers");
