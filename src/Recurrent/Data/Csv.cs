using System.Globalization;
using System.Text;

namespace Recurrent.Data;

/// <summary>
/// Reads CSV (RFC 4180) and TSV files into a <see cref="CsvTable"/>: UTF-8 with or without a byte-order mark,
/// CRLF or LF line ends, with or without a final line end; empty lines are skipped.
/// </summary>
/// <remarks>
/// With quoting on (the default for CSV), a field that starts with a double quote runs to the matching quote and may
/// hold separators and line breaks; <c>""</c> inside it stands for one quote. A quote inside an unquoted field is
/// kept as a literal character. TSV files (tab separated) usually have no quoting and use double quotes as ordinary
/// characters, so quoting is off by default for them.
/// </remarks>
/// <example>
/// <code>
/// CsvTable table = Csv.Read("airline-passengers.csv");
/// double[] passengers = table.NumericColumn("Passengers");   // 144 values
/// </code>
/// </example>
public static class Csv
{
    /// <summary>Reads a CSV or TSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="separator">The field separator; null picks a tab for <c>.tsv</c> and <c>.tab</c> files and a comma otherwise.</param>
    /// <param name="quoting">Whether double quotes enclose fields; null means on, except for tab-separated files.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not UTF-8, or malformed; the message names the file and line.</exception>
    public static CsvTable Read(string path, bool hasHeader = true, char? separator = null, bool? quoting = null)
    {
        string text = Text.ReadFile(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        char chosen = separator ?? (extension is ".tsv" or ".tab" ? '\t' : ',');
        return Parse(text, path, hasHeader, chosen, quoting ?? chosen != '\t');
    }

    /// <summary>Parses CSV or TSV text already in memory.</summary>
    /// <param name="text">The content.</param>
    /// <param name="source">A name for the text (a file name), used in error messages.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="quoting">Whether double quotes enclose fields.</param>
    /// <exception cref="InvalidDataException">The text is empty or malformed; the message names the source and line.</exception>
    public static CsvTable Parse(string text, string source, bool hasHeader = true, char separator = ',', bool quoting = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        if (separator is '"' or '\r' or '\n')
            throw new ArgumentException($"Csv: the separator cannot be {Escape(separator)}.", nameof(separator));

        if (text.StartsWith('\uFEFF')) text = text[1..];   // a byte-order mark left by a decoder that keeps it
        var records = new RecordReader(text, source, separator, quoting).ReadAll();
        if (records.Count == 0) throw new InvalidDataException($"{source}: the file is empty.");
        int expected = records[0].Fields.Length;
        string reference = hasHeader ? $"the header (line {records[0].Line})" : $"line {records[0].Line}";
        foreach (var (fields, line) in records)
            if (fields.Length != expected)
                throw new InvalidDataException($"{source}: line {line} has {fields.Length} field(s), expected {expected} as on {reference}.");

        var rows = hasHeader ? records.Skip(1) : records;
        return new CsvTable(source, hasHeader ? records[0].Fields : [], expected,
            rows.Select(r => r.Fields).ToArray(), rows.Select(r => r.Line).ToArray());
    }

    internal static string Escape(char c) => c switch
    {
        '\t' => "a tab",
        '\r' => "a carriage return",
        '\n' => "a line feed",
        _ => $"'{c}'",
    };

    /// <summary>A single pass over the text that splits it into records, counting physical lines for messages.</summary>
    private sealed class RecordReader(string text, string source, char separator, bool quoting)
    {
        private int _position;
        private int _line = 1;

        public List<(string[] Fields, int Line)> ReadAll()
        {
            var records = new List<(string[] Fields, int Line)>();
            while (_position < text.Length)
            {
                if (SkipLineBreak()) continue;   // an empty line
                int line = _line;
                var fields = new List<string>();
                do fields.Add(quoting && !AtEnd && text[_position] == '"' ? QuotedField(fields.Count + 1) : PlainField());
                while (SkipSeparator());
                SkipLineBreak();
                records.Add((fields.ToArray(), line));
            }
            return records;
        }

        private bool AtEnd => _position >= text.Length;

        private bool SkipSeparator()
        {
            if (AtEnd || text[_position] != separator) return false;
            _position++;
            return true;
        }

        // Consumes CRLF, LF or a lone CR.
        private bool SkipLineBreak()
        {
            if (AtEnd || text[_position] is not ('\r' or '\n')) return false;
            _position += text[_position] == '\r' && _position + 1 < text.Length && text[_position + 1] == '\n' ? 2 : 1;
            _line++;
            return true;
        }

        private string PlainField()
        {
            int start = _position;
            while (!AtEnd && text[_position] != separator && text[_position] is not ('\r' or '\n')) _position++;
            return text[start.._position];
        }

        private string QuotedField(int fieldNumber)
        {
            int openingLine = _line;
            var value = new StringBuilder();
            _position++;   // the opening quote
            while (true)
            {
                if (AtEnd)
                    throw new InvalidDataException($"{source}: line {openingLine}, field {fieldNumber}: the quoted field is not closed before the end of the file.");
                char c = text[_position];
                if (c == '"')
                {
                    if (_position + 1 < text.Length && text[_position + 1] == '"')
                    {
                        value.Append('"');
                        _position += 2;
                        continue;
                    }
                    _position++;
                    break;
                }
                // Line breaks inside quotes belong to the value but still advance the line count used in messages.
                if (c == '\n' || (c == '\r' && (_position + 1 >= text.Length || text[_position + 1] != '\n'))) _line++;
                value.Append(c);
                _position++;
            }
            if (!AtEnd && text[_position] != separator && text[_position] is not ('\r' or '\n'))
                throw new InvalidDataException($"{source}: line {_line}, field {fieldNumber}: unexpected {Escape(text[_position])} after the closing quote (a quote inside a quoted field must be doubled).");
            return value.ToString();
        }
    }
}

/// <summary>The records of a CSV or TSV file: the header (if any) and the rows, all as text.</summary>
/// <example>
/// <code>
/// CsvTable table = Csv.Read("sentiment/train.tsv");
/// string[] sentences = table.Column("text");
/// </code>
/// </example>
public sealed class CsvTable
{
    private readonly string[] _header;
    private readonly string[][] _rows;
    private readonly int[] _lines;

    internal CsvTable(string source, string[] header, int columnCount, string[][] rows, int[] lines)
    {
        Source = source;
        _header = header;
        ColumnCount = columnCount;
        _rows = rows;
        _lines = lines;
    }

    /// <summary>The file (or source name) the table was read from.</summary>
    public string Source { get; }

    /// <summary>The column names; empty when the file has no header.</summary>
    public string[] Header => (string[])_header.Clone();

    /// <summary>The rows after the header, each with <see cref="ColumnCount"/> fields.</summary>
    public IReadOnlyList<string[]> Rows => _rows;

    /// <summary>The number of fields in every row.</summary>
    public int ColumnCount { get; }

    /// <summary>The 1-based line of the file on which row <paramref name="row"/> (0-based) starts, for messages.</summary>
    public int LineOf(int row) => (uint)row < (uint)_lines.Length ? _lines[row]
        : throw new ArgumentOutOfRangeException(nameof(row), row, $"{Source}: row must be from 0 to {_lines.Length - 1}.");

    /// <summary>The values of the column named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No column (or more than one) has that name, or the file has no header; the message lists the columns.</exception>
    public string[] Column(string name) => Column(IndexOf(name));

    /// <summary>The values of column <paramref name="index"/> (0-based).</summary>
    public string[] Column(int index)
    {
        CheckIndex(index);
        return _rows.Select(row => row[index]).ToArray();
    }

    /// <summary>The values of the column named <paramref name="name"/> as numbers (invariant culture: '.' is the decimal point).</summary>
    /// <exception cref="FormatException">A value is not a number; the message names the file, line, column and value.</exception>
    public double[] NumericColumn(string name) => NumericColumn(IndexOf(name));

    /// <summary>The values of column <paramref name="index"/> (0-based) as numbers (invariant culture).</summary>
    /// <exception cref="FormatException">A value is not a number; the message names the file, line, column and value.</exception>
    public double[] NumericColumn(int index)
    {
        CheckIndex(index);
        var values = new double[_rows.Length];
        for (int r = 0; r < _rows.Length; r++)
        {
            string text = _rows[r][index];
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]))
                throw new FormatException($"{Source}: line {_lines[r]}, {Describe(index)}: '{text}' is not a number.");
        }
        return values;
    }

    private string Describe(int index) => _header.Length > 0 ? $"column {index + 1} '{_header[index]}'" : $"column {index + 1}";

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)ColumnCount)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Source}: column index must be from 0 to {ColumnCount - 1}.");
    }

    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_header.Length == 0)
            throw new KeyNotFoundException($"{Source}: no column '{name}': the file was read without a header; select columns by index (0 to {ColumnCount - 1}).");
        int[] matches = Enumerable.Range(0, _header.Length).Where(i => _header[i] == name).ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new KeyNotFoundException($"{Source}: no column '{name}'; the columns are {string.Join(", ", _header.Select(h => $"'{h}'"))}."),
            _ => throw new KeyNotFoundException($"{Source}: column name '{name}' appears {matches.Length} times in the header (columns {string.Join(", ", matches.Select(i => i + 1))}); select it by index."),
        };
    }
}
