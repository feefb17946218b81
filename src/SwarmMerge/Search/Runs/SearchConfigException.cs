namespace SwarmMerge.Search.Runs;

/// <summary>A search config or its settings are invalid; the message names the file, line and key.</summary>
public sealed class SearchConfigException(string message) : Exception(message);
