using System.Text;

namespace Recurrent.Data;

/// <summary>Plain-text corpora, such as the text a character-level model learns from.</summary>
/// <example>
/// <code>
/// string corpus = Text.ReadCorpus("tinyshakespeare.txt");
/// var tokenizer = new Tokenizer(charLevel: true, lower: false);
/// tokenizer.FitOnTexts([corpus]);
/// </code>
/// </example>
public static class Text
{
    /// <summary>
    /// The text of a UTF-8 file (a byte-order mark is skipped) with Windows line ends (CRLF) turned into LF, so a
    /// model sees the same characters whichever system wrote the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is empty or is not valid UTF-8.</exception>
    public static string ReadCorpus(string path) => ReadFile(path).Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The text of a UTF-8 file, without its byte-order mark; the shared checks of every reader here.</summary>
    internal static string ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file (looked for {Path.GetFullPath(path)}).", path);
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> content = bytes.AsSpan();
        if (content.StartsWith(Encoding.UTF8.Preamble)) content = content[Encoding.UTF8.Preamble.Length..];
        if (content.IsEmpty) throw new InvalidDataException($"{path}: the file is empty.");
        try { return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content); }
        catch (DecoderFallbackException e)
        {
            int offset = bytes.Length - content.Length + Math.Max(e.Index, 0);
            throw new InvalidDataException($"{path}: not valid UTF-8 (bad byte near offset {offset}).", e);
        }
    }
}
