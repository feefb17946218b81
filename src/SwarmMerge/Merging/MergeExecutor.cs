using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// Runs a <see cref="MergePlan"/>: tensor by tensor (chunks in parallel), streaming from the memory-mapped inputs into
/// a sink: a checkpoint (shards written in a temporary folder that is moved into place only when complete), or weights
/// in memory.
/// </summary>
public static class MergeExecutor
{
    /// <summary>Tokenizer and generation files copied from the tokenizer source, when present.</summary>
    public static readonly string[] SupportFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "spiece.model",
        "sentencepiece.bpe.model", "vocab.json", "merges.txt", "vocab.txt", "added_tokens.json", "chat_template.jinja",
        "chat_template.json", "generation_config.json",
    ];

    /// <summary>Merges into <paramref name="outputDirectory"/>.</summary>
    public static MergeResult Run(MergePlan plan, string outputDirectory, MergeOptions options,
        IProgress<MergeProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        plan.CheckOutput(outputDirectory);
        using var output = new CheckpointOutput(outputDirectory, options.Overwrite, plan.Tensors.Select(t => t.Output).ToList(), options.MaxShardBytes);
        Run(plan, output, options, progress, cancellation);
        var (shards, bytes) = output.CompleteTensors();
        WriteSupportFiles(plan, output.TemporaryPath, options.CopyTokenizer || plan.Config.TokenizerSource is not null);
        output.Commit();
        return new MergeResult(output.Destination, shards, bytes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Merges into <paramref name="sink"/>: every output tensor of the plan, computed ones chunk by chunk, copied ones as stored.</summary>
    public static void Run(MergePlan plan, ITensorSink sink, MergeOptions options, IProgress<MergeProgress>? progress = null, CancellationToken cancellation = default) =>
        Run(plan, sink, options, progress, cancellation, chunks: null, prefetch: true);

    /// <summary>
    /// As <see cref="Run(MergePlan, ITensorSink, MergeOptions, IProgress{MergeProgress}?, CancellationToken)"/>, the chunks
    /// run by <paramref name="chunks"/> (whose scratch a caller running many plans keeps from plan to plan), else by a new
    /// loop of <c>options.Threads</c>; with <paramref name="prefetch"/> false, no read-ahead is asked for (inputs that every
    /// plan reads again are in the page cache after the first).
    /// </summary>
    internal static void Run(MergePlan plan, ITensorSink sink, MergeOptions options, IProgress<MergeProgress>? progress, CancellationToken cancellation, ChunkLoop? chunks,
        bool prefetch)
    {
        var run = new MergeRun(options.Seed, options.Threads, plan.Jobs.ToList(), sink, cancellation, chunks) { Method = plan.Method };
        plan.Method.Prepare(run);
        for (int i = 0; i < plan.Tensors.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var tensor = plan.Tensors[i];
            if (tensor.Job is { } job)
            {
                run.WithInputs(job, () =>
                {
                    if (prefetch)
                    {
                        job.Prefetch();
                    }
                    plan.Method.Merge(job);
                });
            }
            else
            {
                using var view = tensor.CopyFrom!.OpenTensor(tensor.SourceName ?? tensor.Output.Name);
                sink.Copy(tensor.Output.Name, view);
            }
            progress?.Report(new MergeProgress(i + 1, plan.Tensors.Count, tensor.Output.Name));
        }
    }

    private static void WriteSupportFiles(MergePlan plan, string directory, bool copyTokenizer)
    {
        var config = plan.Reference.Config?.DeepClone().AsObject();
        if (config is not null)
        {
            if (plan.OutputDType is { } dtype)
            {
                // transformers ≥ 4.56 writes "dtype"; older versions "torch_dtype". Keep whichever the base uses.
                config[config.ContainsKey("dtype") ? "dtype" : "torch_dtype"] = dtype.TorchName();
            }
            if (plan.OutputLayers is { } layers)
            {
                // mergekit sets the architecture's layer-count key (GPT-2-style configs call it n_layer) and nothing
                // else; the per-layer attention types are kept too (SliceAttention).
                config[config.ContainsKey("num_hidden_layers") || !config.ContainsKey("n_layer") ? "num_hidden_layers" : "n_layer"] = layers;
                plan.OutputAttention?.Apply(config);
            }
            File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        foreach (string name in copyTokenizer ? SupportFiles : [])
        {
            string source = Path.Combine(plan.TokenizerSource, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(directory, name));
            }
        }
        if (plan.Config.SourceText is { } yaml)
        {
            File.WriteAllText(Path.Combine(directory, "swarmmerge_config.yml"), yaml);
        }
    }
}
