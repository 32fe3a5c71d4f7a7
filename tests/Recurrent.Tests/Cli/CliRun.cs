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
}
