using Recurrent.Layers;
using Recurrent.Tests.Golden;

namespace Recurrent.Tests;

public class GoldenTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json");

    public static TheoryData<string> PyTorchCases()
    {
        var cases = new TheoryData<string>();
        foreach (string module in new[] { "rnn", "lstm", "gru" })
            foreach (string layers in new[] { "L1", "L2" })
                foreach (string directions in new[] { "uni", "bi" })
                    foreach (string state in new[] { "h0zero", "h0rand" })
                        cases.Add($"pytorch_{module}_{layers}_{directions}_{state}");
        return cases;
    }

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void Matches_pytorch_golden_in_float32(string name) =>
        PyTorchGoldenCase.Load(Fixture(name)).Check<float>(absolute: 1e-5, relative: 1e-4);

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void Matches_pytorch_golden_in_float64(string name) =>
        PyTorchGoldenCase.Load(Fixture(name)).Check<double>(absolute: 1e-9, relative: 0);

    private static (HandCalculationCase Case, SimpleRnn<float> Layer) HandCalculationLayer(bool returnSequences)
    {
        var handCalculation = HandCalculationCase.Load(Fixture("keras_simple_rnn_handcalc"));
        var rnn = new SimpleRnn<float>(units: 3, activation: null, returnSequences: returnSequences, returnState: true);
        rnn.SetWeights([handCalculation.Kernel.As<float>(), handCalculation.RecurrentKernel.As<float>(), handCalculation.Bias.As<float>()]);
        return (handCalculation, rnn);
    }

    [Fact]
    public void SimpleRnn_reproduces_the_hand_calculation_exactly()
    {
        var (handCalculation, rnn) = HandCalculationLayer(returnSequences: true);

        var output = rnn.Forward(handCalculation.Input.As<float>());

        Assert.Equal(handCalculation.ExpectedOutput.Shape, output.Shape.ToArray());
        Assert.Equal(handCalculation.ExpectedOutput.Data, output.Data.Select(v => (double)v));
        Assert.Equal([7f, 3f, 12f, 13f, 27f, 16f, 48f, 45f, 54f], output.Data);
    }

    [Fact]
    public void SimpleRnn_hand_calculation_returns_the_last_output_without_return_sequences()
    {
        var (handCalculation, rnn) = HandCalculationLayer(returnSequences: false);

        var result = rnn.ForwardSequence(handCalculation.Input.As<float>());

        Assert.Equal(handCalculation.ExpectedLastOutput.Data, result.Output.Data.Select(v => (double)v));
        Assert.Equal(result.Output.Data, result.States[0].Data);
    }
}
