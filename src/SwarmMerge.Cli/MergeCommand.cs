using System.CommandLine;
using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Cli;

/// <summary><c>swarmmerge merge CONFIG.yml OUT</c> (or <c>--out OUT</c>, and/or <c>--out-adapter DIR</c>): runs a mergekit-style merge.</summary>
internal static class MergeCommand
{
    // mergekit-yaml flags that have nothing to do here, each with the reason printed when it is given.
    private static readonly (string Flag, string Reason)[] IgnoredMergekitFlags =
    [
        ("--cuda", "SwarmMerge merges on the CPU (streamed, multi-threaded); there is no GPU path to turn on"),
        ("--lazy-unpickle", "SwarmMerge reads only safetensors, memory-mapped; it never unpickles"),
        ("--allow-crimes", "SwarmMerge checks tensor names and shapes, not architecture names, so there is nothing to allow"),
        ("--low-cpu-memory", "SwarmMerge streams tensor by tensor and keeps no results in memory; there is no accelerator to move them to"),
    ];

    public static Command Create()
    {
        var config = new Argument<FileInfo>("config") { Description = "mergekit-style YAML file (merge_method, base_model, models or slices, parameters, dtype, out_dtype, tokenizer_source)." };
        var outPath = new Argument<DirectoryInfo?>("out_path") { Description = "Output folder (written atomically), as mergekit-yaml's OUT_PATH; or give --out.", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Output folder (written atomically)." };
        var outAdapter = new Option<DirectoryInfo?>("--out-adapter") { Description = "Also (or only) write the result as a PEFT LoRA adapter: exact for linear and task_arithmetic merges of adapters; otherwise give --adapter-rank." };
        var adapterRank = NumberOptions.Optional("--adapter-rank", "Rank of --out-adapter at most R: a truncated SVD of merged − base when no exact adapter exists or it needs more (the relative error is printed).", 1);
        var shardSize = new Option<string>("--out-shard-size") { Description = "Largest shard, e.g. 500M, 5G (decimal units; Ki/Mi/Gi binary; mergekit's 5B = 5 billion bytes).", DefaultValueFactory = _ => "5G" };
        shardSize.Validators.Add(SizeError);
        var threads = NumberOptions.Threads("Worker threads.", "--num-threads", "-j");
        var seed = NumberOptions.Create("--seed", "Seed of the random methods (dare_*, della*); the same seed gives identical bytes.", 0UL, () => 0UL, "--random-seed");
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate every input and print the plan; write nothing." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty output folder (only once the new one is complete)." };
        var copyTokenizer = new Option<bool>("--copy-tokenizer") { Description = "Copy the tokenizer and generation_config.json (the default, as mergekit)." };
        var noCopyTokenizer = new Option<bool>("--no-copy-tokenizer") { Description = "Do not copy them (unless tokenizer_source names where from)." };
        var ignored = IgnoredMergekitFlags.Select(f => new Option<bool>(f.Flag) { Description = $"Accepted for mergekit habits and ignored: {f.Reason}." }).ToList();

        var command = new Command("merge", "Merge models described by a mergekit-style YAML file into a Hugging Face checkpoint.")
        {
            config, outPath, output, outAdapter, adapterRank, shardSize, threads, seed, dryRun, overwrite, copyTokenizer, noCopyTokenizer,
        };
        foreach (var option in ignored)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            var (positional, named) = (result.GetValue(outPath), result.GetValue(output));
            if (positional is null && named is null && result.GetValue(outAdapter) is null)
            {
                result.AddError("Give the output folder: swarmmerge merge CONFIG.yml OUT (or --out OUT), and/or --out-adapter DIR for a PEFT adapter.");
            }
            else if (positional is not null && named is not null && positional.FullName != named.FullName)
            {
                result.AddError($"Two output folders: '{positional}' and --out '{named}'; give one.");
            }
            if (result.GetValue(copyTokenizer) && result.GetValue(noCopyTokenizer))
            {
                result.AddError("--copy-tokenizer and --no-copy-tokenizer contradict each other.");
            }
        });
        command.SetAction((result, cancellation) =>
        {
            foreach (var (option, (flag, reason)) in ignored.Zip(IgnoredMergekitFlags))
            {
                if (result.GetValue(option))
                {
                    Console.Error.WriteLine($"note: {flag} is ignored: {reason}.");
                }
            }
            var options = new MergeOptions
            {
                Threads = result.GetValue(threads), Seed = result.GetValue(seed), Overwrite = result.GetValue(overwrite),
                CopyTokenizer = !result.GetValue(noCopyTokenizer),
            };
            var adapter = result.GetValue(outAdapter) is { } folder ? new AdapterOutputRequest(folder.FullName, result.GetValue(adapterRank), result.GetValue(overwrite)) : null;
            return Task.FromResult(Run(result.GetValue(config)!, result.GetValue(outPath) ?? result.GetValue(output), adapter, result.GetValue(shardSize)!,
                options, result.GetValue(dryRun), cancellation));
        });
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

    private static int Run(FileInfo configFile, DirectoryInfo? output, AdapterOutputRequest? adapter, string shardSize, MergeOptions options, bool dryRun, CancellationToken cancellation)
    {
        long maxShard = ByteSize.Parse(shardSize);
        var config = MergeConfigParser.Load(configFile.FullName);
        using var plan = MergePlanner.Create(config, Environment.CurrentDirectory);
        foreach (string folder in new[] { output?.FullName, adapter?.Directory }.OfType<string>())
        {
            plan.CheckOutput(folder);
        }
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
        options = options with { MaxShardBytes = maxShard };
        if (output is not null)
        {
            Merge(plan, output.FullName, options, cancellation);
        }
        if (adapter is not null)
        {
            try
            {
                Console.WriteLine(AdapterOutput.FromMerge(plan, adapter, options, output?.FullName, cancellation).Summary);
            }
            catch (OperationCanceledException)
            {
                throw new Interrupted($"Interrupted; {adapter.Directory} was not written{(Directory.Exists(adapter.Directory) ? " (the existing folder is untouched)" : "")}.");
            }
        }
        return 0;
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
        MergeResult result;
        try
        {
            result = MergeExecutor.Run(plan, output, options, new SynchronousProgress<MergeProgress>(p => ((IProgress<MergeProgress>)progress).Report(p)), cancellation);
        }
        catch (OperationCanceledException)
        {
            throw new Interrupted($"Interrupted; {output} was not written{(Directory.Exists(output) ? " (the existing folder is untouched)" : "")}.");
        }
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
        if (plan.Config.Slices is { } slices)
        {
            Console.WriteLine($"slices:       {slices.Count}, {plan.OutputLayers} layers out");
        }
        var copiedFrom = plan.Tensors.Where(t => t.Job is null).Select(t => t.CopyFrom!.Directory).Distinct().ToList();
        Console.WriteLine($"tensors:      {merged} merged, {plan.Tensors.Count - merged} copied{(copiedFrom.Count > 0 ? $" from {string.Join(", ", copiedFrom)}" : "")}");
        if (output is not null)
        {
            Console.WriteLine($"output:       {output} ({plan.OutputBytes / 1e6:F1} MB{(plan.OutputDType is { } d ? $", {d.TorchName()}" : "")}, ~{Math.Max(1, (int)Math.Ceiling(plan.OutputBytes / (double)maxShard))} shard(s))");
        }
        Console.WriteLine($"tokenizer:    {plan.TokenizerSource}");
    }
}
