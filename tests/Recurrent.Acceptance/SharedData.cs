namespace Recurrent.Acceptance;

/// <summary>
/// Finds <c>../shared/data</c> beside the repository (or <c>RECURRENT_SHARED_DATA</c>). A missing folder fails the
/// test that needs it: acceptance tests never skip.
/// </summary>
public static class SharedData
{
    public static string Root { get; } = Locate();

    public static string PathOf(string relative)
    {
        string path = System.IO.Path.Combine(Root, relative);
        if (!File.Exists(path)) throw new FileNotFoundException($"Shared data file missing: {path}", path);
        return path;
    }

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("RECURRENT_SHARED_DATA");
        if (!string.IsNullOrEmpty(configured))
            return Directory.Exists(configured) ? configured
                : throw new DirectoryNotFoundException($"RECURRENT_SHARED_DATA={configured} does not exist.");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(dir.FullName, "Recurrent.slnx"))) continue;
            string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "data"));
            return Directory.Exists(shared) ? shared
                : throw new DirectoryNotFoundException($"Shared data not found at {shared} (clone the repository beside ../shared, or set RECURRENT_SHARED_DATA).");
        }
        throw new DirectoryNotFoundException($"Repository root (Recurrent.slnx) not found above {AppContext.BaseDirectory}.");
    }
}
