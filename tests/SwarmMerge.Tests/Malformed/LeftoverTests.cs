using System.Diagnostics;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests.Malformed;

/// <summary>What a killed run leaves behind is removed by the next run on the same output, and nothing is preallocated.</summary>
[Collection("Console")]
public sealed class LeftoverTests : IDisposable
{
    private readonly ValidFamily _family = new();

    public void Dispose() => _family.Dispose();

    /// <summary>A temporary folder as a run killed with SIGKILL leaves it: some bytes, and an owner file naming a process that is gone.</summary>
    private string KilledRunLeftover(string destination, int pid, long started)
    {
        string folder = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), new byte[4096]);
        File.WriteAllText(folder + ".owner", new JsonObject { ["host"] = Environment.MachineName, ["pid"] = pid, ["started"] = started }.ToJsonString());
        return folder;
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void The_next_merge_removes_a_killed_merges_temporary_folder_and_nothing_else()
    {
        string output = _family["merged"];
        string dead = KilledRunLeftover(output, DeadProcessId(), 0);
        using var self = Process.GetCurrentProcess();
        string live = KilledRunLeftover(output, Environment.ProcessId, self.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond);
        string reused = KilledRunLeftover(output, Environment.ProcessId, 12345); // our pid, but another process's start time
        string foreign = Path.Combine(_family.Folder, $".merged.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(foreign); // no owner file: not provably ours

        var (code, _, error) = CliHarness.Run("merge", _family.MergeConfig, "--out", output);

        Assert.True(code == 0, error);
        Assert.False(Directory.Exists(dead));
        Assert.False(File.Exists(dead + ".owner"));
        Assert.False(Directory.Exists(reused));
        Assert.True(Directory.Exists(live));
        Assert.True(Directory.Exists(foreign));
        Assert.Equal([live + ".owner"], Directory.GetFiles(_family.Folder, ".merged.partial-*.owner"));
    }

    [Fact]
    public void A_search_restarted_in_its_folder_removes_scratch_checkpoints()
    {
        _family.WriteSearchConfig("- pso: {steps: 0}", "[]");
        var (code, _, error) = _family.Search();
        Assert.True(code == 0, error);
        string run = _family["run"];
        string scratch = Path.Combine(run, ".evo-candidate");
        Directory.CreateDirectory(scratch);
        File.WriteAllBytes(Path.Combine(scratch, "model.safetensors"), new byte[4096]);
        string merged = KilledRunLeftover(Path.Combine(run, "merged"), DeadProcessId(), 0);

        (code, _, error) = CliHarness.Run("search", "--resume", run);

        Assert.True(code == 0, error);
        Assert.False(Directory.Exists(scratch));
        Assert.False(Directory.Exists(merged));
    }

    [Fact]
    public void Shards_hold_only_what_was_written_and_an_unwritten_tensor_is_caught()
    {
        using var folder = new TestModels.TempFolder();
        using var writer = new ShardedSafetensorsWriter(folder.Path, [new OutputTensor("big", TensorDType.F32, [16 << 20])], long.MaxValue);
        long length = new FileInfo(folder["model.safetensors"]).Length;
        Assert.True(length < 4096, $"{length} bytes before any tensor data: the shard was preallocated");
        var error = Assert.Throws<InvalidOperationException>(writer.Complete);
        Assert.Contains("a tensor was not written", error.Message);
    }
}
