namespace Recurrent.Tests.Cli;

/// <summary>`recurrent train translate`, `translate` and `evaluate` on translators, and their messages for bad pairs files.</summary>
public sealed class TranslateCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-translate-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private const string Toy = "I am a student\tYo soy un estudiante\nHe is a teacher\tEl es un profesor\nShe is a doctor\tElla es un doctor\n";


    [Fact]
    public void Trains_on_the_toy_sentences_translates_them_exactly_plots_attention_and_evaluates()
    {
        string data = Write("toy.tsv", Toy), model = Path.Combine(_folder, "toy.rnn"), plot = Path.Combine(_folder, "attention.png");
        var trained = CliRun.Run("train", "translate", "--data", data, "--model", model, "--units", "32", "--embedding-dim", "16",
            "--epochs", "150", "--batch-size", "3", "--lr", "0.01", "--label-smoothing", "0", "--seed", "7", "--quiet");
        Assert.True(trained.Code == 0, trained.Error);

        Assert.Equal("yo soy un estudiante", CliRun.Run("translate", "--model", model, "--text", "I am a student").Output.Trim());
        var all = CliRun.Run("translate", "--model", model, "--data", data, "--beam", "3", "--plot", plot);
        Assert.Equal(["I am a student\tyo soy un estudiante", "He is a teacher\tel es un profesor", "She is a doctor\tella es un doctor"],
            all.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(new FileInfo(plot).Length > 1000);

        var evaluated = CliRun.Run("evaluate", "--model", model, "--data", data, "--beam", "2");
        Assert.Contains("BLEU 100.0", evaluated.Output);
        Assert.Contains("token_accuracy", evaluated.Output);
        Assert.Contains("application: translate", CliRun.Run("summary", "--model", model).Output);
    }

    [Theory]
    [InlineData("I am a student\tYo soy un estudiante\nHe is a teacher\n", "line 2 has 1 column(s); the target is column 2")]
    [InlineData("I am a student\tYo soy un estudiante\n\t El es un profesor\n", "line 2: the source sentence is empty")]
    [InlineData("I am a student\tYo soy un estudiante\nHe is a teacher\t \n", "line 2: the target sentence is empty")]
    [InlineData("I am a student\tYo soy un estudiante\nwe we we we we we\tnosotros\n", "line 2: the source sentence has 6 tokens, more than the maximum of 5")]
    public void A_bad_pairs_file_is_refused_naming_the_line(string content, string expected)
    {
        string data = Write("bad.tsv", content);
        CliRun.AssertBadInput(CliRun.Run("train", "translate", "--data", data, "--model", Path.Combine(_folder, "m.rnn"), "--max-tokens", "5", "--epochs", "1"), expected);
    }

    [Fact]
    public void Options_that_do_not_fit_a_translator_are_refused_by_name()
    {
        string data = Write("toy.tsv", Toy), model = Path.Combine(_folder, "m.rnn");
        CliRun.AssertBadInput(CliRun.Run("train", "translate", "--data", data, "--model", model, "--attention", "cosine"), "--attention must be luong, bahdanau or none");
        CliRun.AssertBadInput(CliRun.Run("train", "translate", "--data", data, "--model", model, "--layers", "2"), "--layers 1");
        Assert.Equal(0, CliRun.Run("train", "translate", "--data", data, "--model", model, "--attention", "none", "--epochs", "1", "--quiet").Code);
        CliRun.AssertBadInput(CliRun.Run("translate", "--model", model, "--text", "I am", "--plot", Path.Combine(_folder, "a.png")), "has no attention to plot");
        CliRun.AssertBadInput(CliRun.Run("translate", "--model", model, "--text", "I am", "--beam", "0"), "--beam must be at least 1");
        CliRun.AssertBadInput(CliRun.Run("translate", "--model", model, "--text", "I am", "--beam", "2", "--length-penalty", "-1"), "--length-penalty must be a finite number");
        CliRun.AssertBadInput(CliRun.Run("predict", "--model", model, "--text", "I am"), "this is a 'translate' model, but this command needs a 'classify' model");
        CliRun.AssertBadInput(CliRun.Run("export", "--model", model, "--onnx", Path.Combine(_folder, "m.onnx")), "export writes Sequential models");
    }
}
