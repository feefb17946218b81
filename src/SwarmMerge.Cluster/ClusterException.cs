namespace SwarmMerge.Cluster;

/// <summary>
/// The cluster cannot score the run: no worker could be reached, or none accepted it, within the configured wait.
/// It is an <see cref="IOException"/> (the run's scoring is unreachable), so the command line reports it as a
/// failed input with exit code 1, like a missing file.
/// </summary>
public sealed class ClusterException(string message, Exception? inner = null) : IOException(message, inner);
