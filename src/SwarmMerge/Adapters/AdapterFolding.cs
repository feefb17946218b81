using SwarmMerge.Merging;

namespace SwarmMerge.Adapters;

/// <summary>A <c>base+adapter</c> written out as an ordinary checkpoint, for tools that load only checkpoints (external evaluators).</summary>
public static class AdapterFolding
{
    /// <summary>Writes <paramref name="reference"/> into <paramref name="directory"/> (atomically) and returns the folder.</summary>
    /// <remarks>It is a <c>linear</c> merge of the one model with weight 1: ×1 and ÷1 are exact, so the tensors are the adapted model's values in the base's dtypes.</remarks>
    public static string WriteCheckpoint(string reference, string directory, MergeOptions options)
    {
        var fold = new MergeConfig("linear", null, [new ModelEntry(reference, new Dictionary<string, ParameterSetting> { ["weight"] = new ScalarSetting(1.0) })],
            new Dictionary<string, ParameterSetting>(), null, null, null);
        using var plan = MergePlanner.Create(fold, Environment.CurrentDirectory);
        return MergeExecutor.Run(plan, directory, options).Directory;
    }
}
