using Recurrent.Tests.Models;
using Xunit.Abstractions;

namespace Recurrent.Acceptance;

/// <summary>Issue 9, acceptance 4: 16 threads calling Predict on one model for 10 s match serial calls bit for bit.</summary>
public class ConcurrentInferenceTests(ITestOutputHelper log)
{
    [Fact]
    public void Sixteen_threads_for_ten_seconds_match_serial_predictions()
    {
        var (model, x) = ConcurrentPredictTests.Case("classifier");
        int calls = ConcurrentPredictTests.PredictConcurrently(model, x, threads: 16, TimeSpan.FromSeconds(10));
        log.WriteLine($"{calls} concurrent Predict calls of {x.Dim(0)} sequences, all bit-identical to the serial result");
        Assert.True(calls >= 16, $"only {calls} calls finished");
    }
}
