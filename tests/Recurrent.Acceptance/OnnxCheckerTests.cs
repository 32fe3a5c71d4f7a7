using Recurrent.Interop.Onnx;
using Recurrent.Interop.Tests.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Acceptance;

/// <summary>
/// The official onnx.checker (Debian's python3-onnx, installed by CI) accepts every model the export tests use.
/// It lives here rather than in <c>dotnet test</c> because it needs Python.
/// </summary>
public class OnnxCheckerTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-onnx-check-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Exports_pass_the_official_onnx_checker()
    {
        foreach (string name in OnnxExportCases.Names)
            OnnxExporter.Export(OnnxExportCases.Model(name), Path.Combine(_folder, name + ".onnx"));
        var (code, output) = Python.Run("check_onnx.py", _folder);
        log.WriteLine(output);
        Assert.True(code == 0, $"onnx.checker failed (apt-get install -y python3-onnx if the module is missing):\n{output}");
        Assert.Contains($"{OnnxExportCases.Names.Length} models pass onnx.checker", output);
    }
}
