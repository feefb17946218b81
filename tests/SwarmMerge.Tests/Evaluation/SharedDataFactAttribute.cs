namespace SwarmMerge.Tests.Evaluation;

/// <summary>A fact that needs ../shared/data (real task data kept outside the project); skipped, saying so, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!Directory.Exists(SharedData.Root))
        {
            Skip = $"real task data not found at {SharedData.Root} (the workplace's ../shared/data); this test reads it";
        }
    }
}

internal static class SharedData
{
    /// <summary>The repository's root (the folder of SwarmMerge.slnx above the test binaries).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>../shared/data beside the repository root.</summary>
    public static string Root { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SwarmMerge.slnx")))
            {
                return dir.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}
