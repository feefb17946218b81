namespace SwarmMerge.Models;

/// <summary>A model <c>config.json</c> that cannot be read or run (by the engine, or a merge that reads its layers); the message names the file and field.</summary>
public sealed class ModelConfigException(string message) : Exception(message);
