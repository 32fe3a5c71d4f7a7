using Recurrent.Data;

namespace Recurrent.Cli.Commands;

/// <summary>Texts and labels from two columns of a CSV / TSV file.</summary>
internal static class LabelledTexts
{
    public static (string[] Texts, string[] Labels) Read(string path, string textColumn, string labelColumn)
    {
        CsvTable table = Csv.Read(path);
        if (table.Rows.Count == 0) throw new InvalidDataException($"{path}: there are no data rows after the header.");
        return (table.Column(textColumn), table.Column(labelColumn));
    }
}
