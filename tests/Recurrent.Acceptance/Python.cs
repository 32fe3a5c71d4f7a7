using System.Diagnostics;

namespace Recurrent.Acceptance;

/// <summary>Runs a script with Debian's /usr/bin/python3 (python3-torch, python3-onnx, installed by CI).</summary>
public static class Python
{
    /// <summary>Runs <paramref name="script"/> (beside the test assembly) with <paramref name="arguments"/>; returns the exit code and stdout + stderr.</summary>
    public static (int Code, string Output) Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, script), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        // Both streams at once, so a full stderr pipe cannot stall the script while we wait on stdout.
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
