using System.Diagnostics;

namespace SwarmMerge.Bench;

/// <summary>Runs this benchmark program again in a child process, so that a measurement (peak RSS above all) is the child's own.</summary>
internal static class ChildRun
{
    /// <summary>Runs <c>SwarmMerge.Bench <paramref name="arguments"/></c> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">The child failed.</exception>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
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
