using System.Text;
using Recurrent.Data;

namespace Recurrent.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recurrent-data-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content, bool bom = false)
    {
        string path = Path.Combine(_folder, name);
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        File.WriteAllBytes(path, bom ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes);
        return path;
    }

    [Fact]
    public void Airline_style_file_with_quotes_crlf_and_no_final_newline_is_read()
    {
        // The layout of airline-passengers.csv: quoted header and months, CRLF line ends, no newline at the end.
        string path = Write("airline.csv", "\"Month\",\"Passengers\"\r\n\"1949-01\",112\r\n\"1949-02\",118\r\n\"1949-03\",132");

        CsvTable table = Csv.Read(path);

        Assert.Equal(["Month", "Passengers"], table.Header);
        Assert.Equal(3, table.Rows.Count);
        Assert.Equal(["1949-01", "1949-02", "1949-03"], table.Column("Month"));
        Assert.Equal([112.0, 118, 132], table.NumericColumn("Passengers"));
        Assert.Equal(4, table.LineOf(2));
    }

    [Fact]
    public void Quoted_fields_keep_separators_newlines_and_doubled_quotes()
    {
        CsvTable table = Csv.Parse("text,label\n\"a, b\",1\n\"say \"\"hi\"\"\nthen go\",0\n", "inline.csv");

        Assert.Equal(["a, b", "say \"hi\"\nthen go"], table.Column("text"));
        Assert.Equal([1.0, 0.0], table.NumericColumn("label"));
    }

    [Fact]
    public void Line_numbers_count_newlines_inside_quoted_fields()
    {
        var error = Assert.Throws<FormatException>(() => Csv.Parse("a,b\n\"x\ny\",1\nz,oops\n", "multi.csv").NumericColumn("b"));

        Assert.Equal("multi.csv: line 4, column 2 'b': 'oops' is not a number.", error.Message);
    }

    [Fact]
    public void Byte_order_mark_is_not_part_of_the_first_column_name()
    {
        string path = Write("bom.csv", "x,y\n1,2\n", bom: true);

        Assert.Equal(["1"], Csv.Read(path).Column("x"));
    }

    [Fact]
    public void Tsv_files_are_tab_separated_and_keep_double_quotes_literally()
    {
        string path = Write("pairs.tsv", "He said \"go\".\tDijo \"ve\".\n\"Hi\tHola\n");

        CsvTable table = Csv.Read(path, hasHeader: false);

        Assert.Empty(table.Header);
        Assert.Equal(["He said \"go\".", "\"Hi"], table.Column(0));
        Assert.Equal(["Dijo \"ve\".", "Hola"], table.Column(1));
    }

    [Fact]
    public void Empty_lines_are_skipped_and_a_trailing_separator_makes_an_empty_field()
    {
        CsvTable table = Csv.Parse("a,b\r\n\r\n1,\r\n", "gaps.csv");

        Assert.Single(table.Rows);
        Assert.Equal(["1", ""], table.Rows[0]);
    }

    [Fact]
    public void Ragged_row_names_the_file_and_line()
    {
        var error = Assert.Throws<InvalidDataException>(() => Csv.Parse("a,b\n1,2\n3\n", "ragged.csv"));

        Assert.Equal("ragged.csv: line 3 has 1 field(s), expected 2 as on the header (line 1).", error.Message);
    }

    [Fact]
    public void Unknown_column_lists_the_available_columns()
    {
        CsvTable table = Csv.Parse("Month,Passengers\n1949-01,112\n", "air.csv");

        var error = Assert.Throws<KeyNotFoundException>(() => table.Column("Passenger"));

        Assert.Equal("air.csv: no column 'Passenger'; the columns are 'Month', 'Passengers'.", error.Message);
    }

    [Fact]
    public void Non_numeric_value_names_file_line_column_and_value()
    {
        string path = Write("values.csv", "id,value\n1,2.5\n2,n/a\n");

        var error = Assert.Throws<FormatException>(() => Csv.Read(path).NumericColumn("value"));

        Assert.Equal($"{path}: line 3, column 2 'value': 'n/a' is not a number.", error.Message);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture()
    {
        Assert.Equal([1.5, -2e3], Csv.Parse("v\n1.5\n-2e3\n", "n.csv").NumericColumn("v"));
        Assert.Throws<FormatException>(() => Csv.Parse("v\n\"1,5\"\n", "n.csv").NumericColumn("v"));
    }

    [Fact]
    public void Unclosed_quote_names_the_line_where_it_opened()
    {
        var error = Assert.Throws<InvalidDataException>(() => Csv.Parse("a\n\"open\nstill open\n", "quote.csv"));

        Assert.Equal("quote.csv: line 2, field 1: the quoted field is not closed before the end of the file.", error.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => Csv.Parse("a,b\n\"x\"y,1\n", "stray.csv"));

        Assert.StartsWith("stray.csv: line 2, field 1: unexpected 'y' after the closing quote", error.Message);
    }

    [Fact]
    public void Empty_file_is_reported()
    {
        string path = Write("empty.csv", "", bom: true);

        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path));

        Assert.Equal($"{path}: the file is empty.", error.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error_naming_it()
    {
        string path = Path.Combine(_folder, "absent.csv");

        var error = Assert.Throws<FileNotFoundException>(() => Csv.Read(path));

        Assert.StartsWith($"{path}: no such file", error.Message);
        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Corpus_is_read_as_utf8_with_crlf_turned_into_lf()
    {
        string path = Write("corpus.txt", "Première ligne\r\nsecond\r\n", bom: true);

        Assert.Equal("Première ligne\nsecond\n", Text.ReadCorpus(path));
    }

    [Fact]
    public void Corpus_reader_reports_missing_empty_and_invalid_files()
    {
        string invalid = Path.Combine(_folder, "latin1.txt");
        File.WriteAllBytes(invalid, [(byte)'a', 0xE9, (byte)'b']);

        Assert.Throws<FileNotFoundException>(() => Text.ReadCorpus(Path.Combine(_folder, "none.txt")));
        Assert.Contains("the file is empty", Assert.Throws<InvalidDataException>(() => Text.ReadCorpus(Write("empty.txt", ""))).Message);
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidDataException>(() => Text.ReadCorpus(invalid)).Message);
    }
}
