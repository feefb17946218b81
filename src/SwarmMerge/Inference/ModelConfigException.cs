namespace SwarmMerge.Inference;

/// <summary>A model <c>config.json</c> the inference engine cannot run; the message names the file and field.</summary>
public sealed class ModelConfigException(string message) : Exception(message);
