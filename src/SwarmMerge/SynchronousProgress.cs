namespace SwarmMerge;

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread at once (unlike <see cref="Progress{T}"/>, which posts to a synchronization context).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
