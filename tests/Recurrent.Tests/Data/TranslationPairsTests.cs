using Recurrent.Data;

namespace Recurrent.Tests.Data;

public class TranslationPairsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-pairs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string content)
    {
        string path = Path.Combine(_folder, "pairs.tsv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Pairs_are_read_with_their_lines_skipping_blank_lines_and_extra_columns()
    {
        string path = Write("Go.\tVe.\tCC-BY 2.0 attribution\r\n\nHi.\tHola.\n");
        IReadOnlyList<TranslationPair> pairs = TranslationPairs.Read(path);
        Assert.Equal([new TranslationPair("Go.", "Ve.", 1), new TranslationPair("Hi.", "Hola.", 3)], pairs);
        Assert.Equal(new TranslationPair("Ve.", "Go.", 1), TranslationPairs.Read(path, sourceColumn: 1, targetColumn: 0)[0]);
    }

    [Theory]
    [InlineData("a\tb\nonly one side\n", "line 2 has 1 column(s); the target is column 2")]
    [InlineData("a\tb\n\tb\n", "line 2: the source sentence is empty")]
    [InlineData("a\t  \n", "line 1: the target sentence is empty")]
    [InlineData("a b c d e f\tb\n", "line 1: the source sentence has 6 tokens, more than the maximum of 5")]
    public void A_bad_line_is_named(string content, string message)
    {
        string path = Write(content);
        var error = Assert.Throws<InvalidDataException>(() => TranslationPairs.Read(path, maxTokens: 5));
        Assert.Equal($"{path}: {message}" + (message.EndsWith("column 2") ? " (columns are separated by tabs)." : "."), error.Message);
    }

    [Fact]
    public void Every_kth_pair_is_held_out()
    {
        var pairs = Enumerable.Range(1, 7).Select(i => new TranslationPair($"s{i}", $"t{i}", i)).ToArray();
        var (train, test) = TranslationPairs.HoldOutEvery(pairs, 3);
        Assert.Equal([3, 6], test.Select(p => p.Line));
        Assert.Equal([1, 2, 4, 5, 7], train.Select(p => p.Line));
    }

    [Fact]
    public void Words_split_punctuation_and_lower_case()
    {
        Assert.Equal(["¿", "dónde", "está", "tom", "?"], Sentences.Words("¿Dónde está Tom?"));
        Assert.Equal(["i", "don't", "know", "."], Sentences.Words("I don't know."));
    }
}
