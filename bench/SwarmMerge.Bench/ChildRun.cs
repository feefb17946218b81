using System.Diagnostics;

namespace SwarmMerge.Bench;

/// <summary>Runs this benchmark program again in a child process, so that a measurement (peak RSS above all) is the child's own.</summary>
internal static class ChildRun
{
    /// <summary>Runs <c>SwarmMerge.Bench <paramref name="arguments"/></c> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">The child failed.</exception>
    public static string Run(params string[] arguments) => RunBench(null, arguments);

    /// <summary>
    /// Runs <c>SwarmMerge.Bench <paramref name="arguments"/></c> from <paramref name="benchDll"/> (another build of this
    /// program, e.g. of an earlier commit; null: this one) and returns its standard output.
    /// </summary>
    /// <exception cref="InvalidOperationException">The child failed.</exception>
    public static string RunBench(string? benchDll, params string[] arguments)
    {
        var start = new ProcessStartInfo(benchDll is null ? Environment.ProcessPath! : "dotnet") { RedirectStandardOutput = true };
        if (benchDll is not null)
        {
            start.ArgumentList.Add(benchDll);
        }
        else if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SwarmMerge.Bench.dll"));
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        return child.ExitCode == 0 ? output : throw new InvalidOperationException($"{arguments[0]} failed: {output}");
    }
}
