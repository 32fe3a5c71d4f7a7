namespace Recurrent.Tests.Cli;

/// <summary>Runs the `recurrent` command in-process and captures what it prints (shared with the acceptance tests).</summary>
public static class CliRun
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Recurrent.Cli.Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Exit code 1 with one line on standard error that contains <paramref name="expected"/> and no stack trace.</summary>
    public static void AssertBadInput((int Code, string Output, string Error) result, string expected)
    {
        Assert.Equal(1, result.Code);
        Assert.Contains(expected, result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", result.Error);
    }
}
