namespace SwarmMerge.Merging;

/// <summary>A merge configuration that cannot be run as written; the message names the field, model or tensor.</summary>
public sealed class MergeConfigException(string message) : Exception(message);
