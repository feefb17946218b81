using SwarmMerge.Merging;

namespace SwarmMerge.Search.Runs;

/// <summary>The merge plans of a run's data-free merges: its baselines, tuned baselines and PSO's anchor members.</summary>
public static class BaselinePlans
{
    /// <summary>The merge plan of baseline <paramref name="method"/> (its <see cref="DataFreeMerge.Defaults"/> when <paramref name="parameters"/> is empty).</summary>
    public static MergePlan Of(SearchConfig config, string method, IReadOnlyDictionary<string, object?> parameters)
    {
        if (parameters.Count == 0 && DataFreeMerges.Get(method) is { } known)
        {
            parameters = known.Defaults;
        }
        var settings = parameters.ToDictionary(p => p.Key, p => (ParameterSetting)new ScalarSetting(p.Value ?? throw new SearchConfigException($"baseline {method}: '{p.Key}' has no value.")), StringComparer.Ordinal);
        var mergeConfig = new MergeConfig(method, config.BaseModel, config.Experts.Select(e => new ModelEntry(e, new Dictionary<string, ParameterSetting>())).ToList(),
            settings, null, null, null);
        try
        {
            return MergePlanner.Create(mergeConfig, Environment.CurrentDirectory);
        }
        catch (MergeConfigException e)
        {
            throw new SearchConfigException($"baseline {method}: {e.Message}");
        }
    }
}
