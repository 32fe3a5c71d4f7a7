using System.Text.Json;

namespace Recurrent.Tests.Golden;

/// <summary>The Keras SimpleRNN hand calculation fixture.</summary>
public sealed record HandCalculationCase(GoldenTensor Kernel, GoldenTensor RecurrentKernel, GoldenTensor Bias,
    GoldenTensor Input, GoldenTensor ExpectedOutput, GoldenTensor ExpectedLastOutput)
{
    public static HandCalculationCase Load(string path)
    {
        JsonElement root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        JsonElement weights = root.GetProperty("weights");
        return new(GoldenTensor.Read(weights.GetProperty("kernel")), GoldenTensor.Read(weights.GetProperty("recurrent_kernel")),
            GoldenTensor.Read(weights.GetProperty("bias")), GoldenTensor.Read(root.GetProperty("input")),
            GoldenTensor.Read(root.GetProperty("expected_output")), GoldenTensor.Read(root.GetProperty("expected_last_output")));
    }
}
