using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Adapters;

/// <summary>What <c>--out-adapter</c> asks for.</summary>
/// <param name="Directory">The adapter folder to write.</param>
/// <param name="Rank">With a rank: at most this rank, by truncated SVD when the exact adapter does not exist or needs more; without: exact or refused.</param>
/// <param name="Overwrite">Replace a non-empty folder.</param>
public sealed record AdapterOutputRequest(string Directory, int? Rank, bool Overwrite = false);

/// <summary>
/// Writes a merge or search result as a PEFT adapter: the exact one (<see cref="ExactAdapter"/>) when the result is
/// linear in adapter experts' task vectors and fits the rank asked for, else, when a rank is given, the truncated SVD
/// of merged − base (<see cref="TruncatedAdapter"/>); otherwise it refuses with the reason.
/// </summary>
public static class AdapterOutput
{
    /// <summary>The adapter of <paramref name="plan"/>'s result.</summary>
    /// <param name="plan">The merge.</param>
    /// <param name="request">Where and at what rank.</param>
    /// <param name="options">Seed, threads (also of the merge run into the truncated adapter when <paramref name="mergedDirectory"/> is null).</param>
    /// <param name="mergedDirectory">The checkpoint the merge already wrote, if any (the SVD reads it instead of merging again).</param>
    /// <param name="cancellation">Stops the merge run into a truncated adapter.</param>
    /// <exception cref="NotSupportedException">No exact adapter and no rank; the message says why.</exception>
    public static AdapterOutputResult FromMerge(MergePlan plan, AdapterOutputRequest request, MergeOptions options, string? mergedDirectory, CancellationToken cancellation = default)
    {
        var terms = AdapterTerms.FromPlan(plan, out string? reason);
        var baseModel = SvdBase(plan.Base, plan.Models);
        if (LayoutDifference(plan, baseModel) is { } difference)
        {
            throw new NotSupportedException($"No adapter for this result: {difference}.");
        }
        var extra = plan.Config.SourceText is { } yaml ? new Dictionary<string, string> { ["swarmmerge_config.yml"] = yaml } : null;
        if (mergedDirectory is null)
        {
            return Write(request, terms, reason, baseModel, plan.Models, options, plan.OutputDType, extra, MergedModel.Of(plan, options, cancellation));
        }
        using var written = Checkpoint.Open(mergedDirectory);
        return Write(request, terms, reason, baseModel, plan.Models, options, plan.OutputDType, extra, MergedModel.Of(written));
    }

    /// <summary>What <see cref="FromMerge"/> would write, in words (for <c>--dry-run</c>).</summary>
    public static string Describe(MergePlan plan, AdapterOutputRequest request)
    {
        if (LayoutDifference(plan, SvdBase(plan.Base, plan.Models)) is { } difference)
        {
            return $"{request.Directory}: not possible: {difference}";
        }
        var terms = AdapterTerms.FromPlan(plan, out string? reason);
        int? exact = terms is null ? null : ExactAdapter.RequiredRank(terms, out reason);
        return exact is int r && (request.Rank is null || r <= request.Rank) ? $"{request.Directory} (exact, rank {r})"
            : request.Rank is int rank ? $"{request.Directory} (truncated SVD, rank {rank}: {(exact is int needed ? $"the exact one needs rank {needed}" : reason)})"
            : $"{request.Directory}: not possible: {reason}";
    }

    /// <summary>
    /// The shared decision: exact when possible within the rank (nothing merged), else the truncated SVD of
    /// <paramref name="merged"/>, run into it.
    /// </summary>
    public static AdapterOutputResult Write(AdapterOutputRequest request, AdapterTerms? terms, string? reason, Checkpoint? baseModel, IReadOnlyList<IModelSource> experts,
        MergeOptions options, TensorDType? dtype, IReadOnlyDictionary<string, string>? extraFiles, MergedModel merged)
    {
        int? exactRank = terms is null ? null : ExactAdapter.RequiredRank(terms, out reason);
        if (exactRank is int needed && (request.Rank is null || needed <= request.Rank))
        {
            return ExactAdapter.Write(terms!, request.Directory, request.Overwrite, dtype, extraFiles);
        }
        if (request.Rank is not int rank)
        {
            throw new NotSupportedException($"No exact adapter for this result: {reason}. Give an adapter rank for a truncated-SVD adapter (its relative error is reported), or write a checkpoint.");
        }
        if (baseModel is null)
        {
            throw new NotSupportedException("No adapter for this result: without base_model, the models share no base checkpoint for an adapter to apply to.");
        }
        return TruncatedAdapter.Write(baseModel, merged, rank, request.Directory, options with { Overwrite = request.Overwrite }, experts, dtype, extraFiles);
    }

    // An adapter changes the base's tensors in place: a merge whose output has other tensors (slices that add, drop
    // or reshape layers) cannot be one, and is refused before anything is merged.
    private static string? LayoutDifference(MergePlan plan, Checkpoint? baseModel)
    {
        if (baseModel is null)
        {
            return null;
        }
        var output = plan.Tensors.ToDictionary(t => t.Output.Name, t => t.Output.Shape, StringComparer.Ordinal);
        var differing = baseModel.Tensors.FirstOrDefault(t => t.DType.IsMergeable() && !(output.TryGetValue(t.Name, out var shape) && shape.SequenceEqual(t.Shape)))?.Name
            ?? output.Keys.FirstOrDefault(name => !baseModel.Contains(name));
        return differing is null ? null
            : $"the output's tensors are not the base model's ('{differing}' is {(baseModel.Contains(differing) ? "missing from the output or reshaped" : "not in the base")}), as when slices change the layers; an adapter only updates the base's own tensors";
    }

    /// <summary>The checkpoint a truncated adapter applies to: the base model's checkpoint (the base of a base+adapter), or the base the models share.</summary>
    public static Checkpoint? SvdBase(IModelSource? baseModel, IReadOnlyList<IModelSource> models) => baseModel switch
    {
        Checkpoint checkpoint => checkpoint,
        AdaptedModel adapted => adapted.Base,
        _ => AdapterTerms.BaseCheckpoint(null, models, out _),
    };
}
