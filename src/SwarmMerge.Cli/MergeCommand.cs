using System.CommandLine;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge merge CONFIG.yml --out DIR</c>: runs a mergekit-style merge.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var config = new Argument<FileInfo>("config") { Description = "mergekit-style YAML file (merge_method, base_model, models, parameters, dtype, out_dtype, tokenizer_source)." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder (written atomically).", Required = true };
        var shardSize = new Option<string>("--out-shard-size") { Description = "Largest shard, e.g. 500M, 5G (decimal units; Ki/Mi/Gi binary).", DefaultValueFactory = _ => "5G" };
        shardSize.Validators.Add(result => SizeError(result));
        var threads = NumberOptions.Create("--threads", "Worker threads.", 1, () => Environment.ProcessorCount);
        var seed = NumberOptions.Create("--seed", "Seed of the random methods (dare_*, della*); the same seed gives identical bytes.", 0UL, () => 0UL);
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate every input and print the plan; write nothing." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty output folder (only once the new one is complete)." };

        var command = new Command("merge", "Merge models described by a mergekit-style YAML file into a Hugging Face checkpoint.")
        {
            config, output, shardSize, threads, seed, dryRun, overwrite,
        };
        command.SetAction((result, cancellation) => Task.FromResult(Run(
            result.GetValue(config)!, result.GetValue(output)!, result.GetValue(shardSize)!, result.GetValue(threads),
            result.GetValue(seed), result.GetValue(dryRun), result.GetValue(overwrite), cancellation)));
        return command;
    }

    private static void SizeError(System.CommandLine.Parsing.OptionResult result)
    {
        try
        {
            ByteSize.Parse(result.GetValueOrDefault<string>());
        }
        catch (FormatException e)
        {
            result.AddError($"--out-shard-size: {e.Message}");
        }
    }

    private static int Run(FileInfo configFile, DirectoryInfo output, string shardSize, int threads, ulong seed, bool dryRun, bool overwrite, CancellationToken cancellation)
    {
        long maxShard = ByteSize.Parse(shardSize);
        var config = MergeConfigParser.Load(configFile.FullName);
        using var plan = MergePlanner.Create(config, Environment.CurrentDirectory);
        plan.CheckOutput(output.FullName);
        foreach (string warning in plan.Warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
        PrintPlan(plan, output.FullName, maxShard);
        if (dryRun)
        {
            Console.WriteLine("Dry run: every input is valid; nothing was written.");
            return 0;
        }
        var options = new MergeOptions { MaxShardBytes = maxShard, Threads = threads, Seed = seed, Overwrite = overwrite };
        var progress = new Progress<MergeProgress>(p =>
        {
            if (p.Done == p.Total || p.Done % 25 == 0)
            {
                Console.Error.Write($"\r  {p.Done}/{p.Total} tensors");
            }
        });
        MergeResult result;
        try
        {
            result = MergeExecutor.Run(plan, output.FullName, options, new SynchronousProgress<MergeProgress>(p => ((IProgress<MergeProgress>)progress).Report(p)), cancellation);
        }
        catch (OperationCanceledException)
        {
            throw new Interrupted($"Interrupted; {output.FullName} was not written{(Directory.Exists(output.FullName) ? " (the existing folder is untouched)" : "")}.");
        }
        Console.Error.WriteLine();
        Console.WriteLine($"Wrote {result.Directory}: {result.Shards.Count} shard(s), {result.Bytes / 1e6:F1} MB in {result.Seconds:F1} s.");
        return 0;
    }

    private static void PrintPlan(MergePlan plan, string output, long maxShard)
    {
        int merged = plan.Jobs.Count();
        Console.WriteLine($"merge_method: {plan.Method.Name}");
        if (plan.Base is not null)
        {
            Console.WriteLine($"base_model:   {plan.Base.Directory}");
        }
        foreach (var model in plan.Models)
        {
            Console.WriteLine($"model:        {model.Directory}");
        }
        Console.WriteLine($"tensors:      {merged} merged, {plan.Tensors.Count - merged} copied from {plan.Reference.Directory}");
        Console.WriteLine($"output:       {output} ({plan.OutputBytes / 1e6:F1} MB{(plan.OutputDType is { } d ? $", {d.TorchName()}" : "")}, ~{Math.Max(1, (int)Math.Ceiling(plan.OutputBytes / (double)maxShard))} shard(s))");
        Console.WriteLine($"tokenizer:    {plan.TokenizerSource}");
    }
}
