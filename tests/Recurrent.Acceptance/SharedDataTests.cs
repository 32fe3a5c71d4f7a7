using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Recurrent.Acceptance;

public class SharedDataTests
{
    [Fact]
    public void Shared_datasets_match_the_checksums_in_their_readme()
    {
        string readme = File.ReadAllText(SharedData.PathOf("README.md"));
        MatchCollection sums = Regex.Matches(readme, @"^([0-9a-f]{64})  (\S+)$", RegexOptions.Multiline);
        Assert.True(sums.Count >= 5, $"expected at least 5 checksums in shared/data/README.md, found {sums.Count}");
        foreach (Match sum in sums)
        {
            string actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(SharedData.PathOf(sum.Groups[2].Value))));
            Assert.True(sum.Groups[1].Value == actual, $"{sum.Groups[2].Value}: sha256 {actual}, README says {sum.Groups[1].Value}");
        }
    }

    [Fact]
    public void Repository_fixtures_are_byte_identical_to_the_shared_golden_files()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        string[] shared = Directory.GetFiles(Path.Combine(SharedData.Root, "golden"), "*.json");
        Assert.Equal(25, shared.Length);
        foreach (string file in shared)
        {
            string copy = Path.Combine(fixtures, Path.GetFileName(file));
            Assert.True(File.Exists(copy), $"fixture missing from the repository: {Path.GetFileName(file)}");
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), $"fixture differs from shared: {Path.GetFileName(file)}");
        }
    }
}
