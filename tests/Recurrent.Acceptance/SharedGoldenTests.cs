using Recurrent.Tests.Golden;

namespace Recurrent.Acceptance;

/// <summary>The cells against every PyTorch golden file, read straight from ../shared/data/golden.</summary>
public class SharedGoldenTests
{
    public static TheoryData<string> SharedCases()
    {
        var cases = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(System.IO.Path.Combine(SharedData.Root, "golden"), "pytorch_*.json").Order())
            cases.Add(System.IO.Path.GetFileName(file));
        return cases;
    }

    [Fact]
    public void All_24_pytorch_cases_are_present() => Assert.Equal(24, SharedCases().Count);

    [Theory]
    [MemberData(nameof(SharedCases))]
    public void Shared_pytorch_case_matches_in_float32(string file) =>
        PyTorchGoldenCase.Load(SharedData.PathOf(System.IO.Path.Combine("golden", file))).Check<float>(absolute: 1e-5, relative: 1e-4);

    [Theory]
    [MemberData(nameof(SharedCases))]
    public void Shared_pytorch_case_matches_in_float64(string file) =>
        PyTorchGoldenCase.Load(SharedData.PathOf(System.IO.Path.Combine("golden", file))).Check<double>(absolute: 1e-9, relative: 0);
}
