using SwarmMerge.Adapters;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>A search's best model as a PEFT adapter (<c>swarmmerge search … --out-adapter</c>).</summary>
public static class SearchAdapter
{
    /// <summary>
    /// The terms of a coefficient-space <paramref name="candidate"/> (any granularity: one coefficient per member per
    /// tensor group), or null with the reason: an elementwise candidate, coefficients that do not sum to 1 (they scale
    /// the base), sparsified members in use (DARE masks of task vectors are not low rank), or anchor members in use
    /// (each is a dense TIES/DARE/DELLA merge of the experts, not linear in their updates).
    /// </summary>
    public static AdapterTerms? TermsOf(SwarmMaterializer materializer, Candidate candidate, out string? reason)
    {
        reason = null;
        if (candidate.Vector is not null)
        {
            reason = "elementwise PSO moves every parameter on its own, so its result is not a combination of the experts' updates";
            return null;
        }
        if (materializer.Base is not Checkpoint baseModel)
        {
            reason = "base_model is itself base+adapter; an output adapter applies to a checkpoint";
            return null;
        }
        var members = materializer.Members;
        int n = members.ExpertCount;
        var coefficients = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var tensor in materializer.Tensors)
        {
            int group = materializer.Groups.Of(tensor.Name);
            var row = materializer.Space.Row(candidate.Values, group);
            double sum = 0;
            foreach (double c in row)
            {
                sum += c;
            }
            if (Math.Abs(sum - 1) > 1e-9)
            {
                reason = $"the coefficients of group '{materializer.Groups.Names[group]}' sum to {sum}, which scales the base itself";
                return null;
            }
            for (int i = 0; members.IncludeSparsified && i < n; i++)
            {
                if (row[1 + n + i] != 0)
                {
                    reason = $"the best model uses sparsified expert {i + 1} (a DARE mask of its task vector, which is not low rank); search with 'sparsified: false' for an exact adapter";
                    return null;
                }
            }
            for (int a = 0; a < members.Anchors.Count; a++)
            {
                if (row[members.FirstAnchor + a] != 0)
                {
                    reason = $"the best model gives anchor member '{members.Anchors[a].Name}' (a dense {members.Anchors[a].Name} merge of the experts, not linear in their updates) "
                        + $"coefficient {row[members.FirstAnchor + a]:G4} in group '{materializer.Groups.Names[group]}'; search with 'anchors: []' for an exact adapter";
                    return null;
                }
            }
            coefficients[tensor.Name] = row.Slice(1, n).ToArray();
        }
        return new AdapterTerms(baseModel, materializer.Experts, coefficients);
    }

    /// <summary>Throws when <paramref name="request"/>'s folder is, lies in or holds an input folder of <paramref name="config"/>: checked before the run.</summary>
    /// <exception cref="IOException">The adapter would overwrite an input.</exception>
    public static void CheckOutput(SearchConfig config, AdapterOutputRequest request) =>
        OutputPaths.CheckOutsideInputs(request.Directory, config.ModelFolders);

    /// <summary>Writes the first search's best model of <paramref name="run"/> as an adapter.</summary>
    /// <exception cref="NotSupportedException">No exact adapter and no rank; the message says why.</exception>
    public static AdapterOutputResult Write(SearchRunResult run, SearchConfig config, AdapterOutputRequest request)
    {
        var best = run.Searches[0].Best?.Candidate ?? throw new InvalidOperationException($"Search '{run.Searches[0].Method}' found no candidate that scored.");
        var method = config.Methods[0];
        // The first search's own space, anchors included: they are in the run folder already, so nothing is merged again.
        using var spaces = new MethodSpaces(config, run.Directory);
        spaces.UseTuned(run.TunedBaselines);
        var materializer = spaces.Of(method);
        AdapterTerms? terms;
        string? reason;
        if (method.Kind == SearchKind.Evo)
        {
            terms = null;
            reason = "Evo's best model is a TIES or DARE merge, which trims task-vector entries one by one";
        }
        else
        {
            terms = TermsOf(materializer, best, out reason);
        }
        var options = new MergeOptions { Seed = config.Seed, Threads = config.Threads };
        using var merged = Checkpoint.Open(run.MergedDirectory);
        return AdapterOutput.Write(request, terms, reason, AdapterOutput.SvdBase(materializer.Base, materializer.Experts), materializer.Experts, options, null, null,
            MergedModel.Of(merged));
    }
}
