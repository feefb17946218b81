using SwarmMerge.IO;
using SwarmMerge.Merging;

namespace SwarmMerge.Adapters;

/// <summary>A merged model as a truncated adapter takes it in: how messages name it, its output tensors, and what runs them into a sink.</summary>
/// <param name="Name">How messages name the merged model.</param>
/// <param name="Tensors">Its tensors: names, the dtypes a checkpoint of it stores, shapes.</param>
/// <param name="RunInto">Writes every tensor into the sink.</param>
public sealed record MergedModel(string Name, IReadOnlyList<OutputTensor> Tensors, Action<ITensorSink> RunInto)
{
    /// <summary>A merge not yet run: <see cref="MergeExecutor"/> runs it straight into the sink, with no checkpoint on disk.</summary>
    public static MergedModel Of(MergePlan plan, MergeOptions options, CancellationToken cancellation = default) =>
        new("the merge's output", plan.Tensors.Select(t => t.Output).ToList(), sink => MergeExecutor.Run(plan, sink, options, cancellation: cancellation));

    /// <summary>A merge already written (<paramref name="checkpoint"/>, open while the adapter is made): its tensors as stored.</summary>
    public static MergedModel Of(IModelSource checkpoint) =>
        new(checkpoint.Name, checkpoint.Tensors.Select(t => new OutputTensor(t.Name, t.DType, t.Shape)).ToList(), sink =>
        {
            foreach (var info in checkpoint.Tensors)
            {
                using var view = checkpoint.OpenTensor(info.Name);
                sink.Copy(info.Name, view);
            }
        });
}
