using System.CommandLine;
using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge merge CONFIG.yml --out DIR</c>: runs a mergekit-style merge.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var config = new Argument<FileInfo>("config") { Description = "mergekit-style YAML file (merge_method, base_model, models, parameters, dtype, out_dtype, tokenizer_source)." };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Output folder (written atomically)." };
        var outAdapter = new Option<DirectoryInfo?>("--out-adapter") { Description = "Also (or only) write the result as a PEFT LoRA adapter: exact for linear and task_arithmetic merges of adapters; otherwise give --adapter-rank." };
        var adapterRank = new Option<int?>("--adapter-rank") { Description = "Rank of --out-adapter at most R: a truncated SVD of merged − base when no exact adapter exists or it needs more (the relative error is printed)." };
        var shardSize = new Option<string>("--out-shard-size") { Description = "Largest shard, e.g. 500M, 5G (decimal units; Ki/Mi/Gi binary).", DefaultValueFactory = _ => "5G" };
        var threads = new Option<int>("--threads") { Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random methods (dare_*, della*); the same seed gives identical bytes.", DefaultValueFactory = _ => 0 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate every input and print the plan; write nothing." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty output folder (only once the new one is complete)." };

        var command = new Command("merge", "Merge models described by a mergekit-style YAML file into a Hugging Face checkpoint.")
        {
            config, output, outAdapter, adapterRank, shardSize, threads, seed, dryRun, overwrite,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(output) is null && result.GetValue(outAdapter) is null)
            {
                result.AddError("Give --out DIR (a checkpoint), --out-adapter DIR (a PEFT adapter), or both.");
            }
            if (result.GetValue(adapterRank) is < 1)
            {
                result.AddError("--adapter-rank must be at least 1.");
            }
        });
        command.SetAction((result, cancellation) => Task.FromResult(Run(
            result.GetValue(config)!, result.GetValue(output), result.GetValue(outAdapter) is { } adapter ? new AdapterOutputRequest(adapter.FullName, result.GetValue(adapterRank), result.GetValue(overwrite)) : null,
            result.GetValue(shardSize)!, result.GetValue(threads), result.GetValue(seed), result.GetValue(dryRun), result.GetValue(overwrite), cancellation)));
        return command;
    }

    private static int Run(FileInfo configFile, DirectoryInfo? output, AdapterOutputRequest? adapter, string shardSize, int threads, ulong seed, bool dryRun, bool overwrite, CancellationToken cancellation)
    {
        try
        {
            long maxShard = ByteSize.Parse(shardSize);
            if (threads < 1)
            {
                throw new MergeConfigException("--threads must be at least 1.");
            }
            var config = MergeConfigParser.Load(configFile.FullName);
            using var plan = MergePlanner.Create(config, Environment.CurrentDirectory);
            foreach (string warning in plan.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }
            PrintPlan(plan, output?.FullName, maxShard);
            if (adapter is not null)
            {
                Console.WriteLine($"adapter:      {AdapterOutput.Describe(plan, adapter)}");
            }
            if (dryRun)
            {
                Console.WriteLine("Dry run: every input is valid; nothing was written.");
                return 0;
            }
            var options = new MergeOptions { MaxShardBytes = maxShard, Threads = threads, Seed = seed, Overwrite = overwrite };
            if (output is not null)
            {
                Merge(plan, output.FullName, options, cancellation);
            }
            if (adapter is not null)
            {
                Console.WriteLine(AdapterOutput.FromMerge(plan, adapter, options, output?.FullName).Summary);
            }
            return 0;
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("\nCancelled; the output folder was not written.");
            return 130;
        }
    }

    private static void Merge(MergePlan plan, string output, MergeOptions options, CancellationToken cancellation)
    {
        var progress = new Progress<MergeProgress>(p =>
        {
            if (p.Done == p.Total || p.Done % 25 == 0)
            {
                Console.Error.Write($"\r  {p.Done}/{p.Total} tensors");
            }
        });
        var result = MergeExecutor.Run(plan, output, options, new SynchronousProgress<MergeProgress>(p => ((IProgress<MergeProgress>)progress).Report(p)), cancellation);
        Console.Error.WriteLine();
        Console.WriteLine($"Wrote {result.Directory}: {result.Shards.Count} shard(s), {result.Bytes / 1e6:F1} MB in {result.Seconds:F1} s.");
    }

    private static void PrintPlan(MergePlan plan, string? output, long maxShard)
    {
        int merged = plan.Jobs.Count();
        Console.WriteLine($"merge_method: {plan.Method.Name}");
        if (plan.Base is not null)
        {
            Console.WriteLine($"base_model:   {plan.Base.Name}");
        }
        foreach (var model in plan.Models)
        {
            Console.WriteLine($"model:        {model.Name}");
        }
        Console.WriteLine($"tensors:      {merged} merged, {plan.Tensors.Count - merged} copied from {plan.Reference.Directory}");
        if (output is not null)
        {
            Console.WriteLine($"output:       {output} ({plan.OutputBytes / 1e6:F1} MB{(plan.OutputDType is { } d ? $", {d.TorchName()}" : "")}, ~{Math.Max(1, (int)Math.Ceiling(plan.OutputBytes / (double)maxShard))} shard(s))");
        }
        Console.WriteLine($"tokenizer:    {plan.TokenizerSource}");
    }
}
