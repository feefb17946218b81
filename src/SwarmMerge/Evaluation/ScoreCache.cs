using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Outcomes by candidate key, so that no candidate is scored twice in a run (PSO revisits the same
/// coefficients, e.g. the initial particles or a converged swarm). A key is a hash of what defines the
/// candidate (see <see cref="KeyOf"/>).
/// </summary>
public sealed class ScoreCache
{
    private readonly ConcurrentDictionary<string, Lazy<EvaluationOutcome>> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Number of distinct candidates scored.</summary>
    public int Count => _outcomes.Count;

    /// <summary>The cached outcome of <paramref name="key"/>, computing it with <paramref name="evaluate"/> only the first time.</summary>
    public EvaluationOutcome GetOrEvaluate(string key, Func<EvaluationOutcome> evaluate) =>
        _outcomes.GetOrAdd(key, _ => new Lazy<EvaluationOutcome>(evaluate)).Value;

    /// <summary>True (and the outcome) when <paramref name="key"/> was scored.</summary>
    public bool TryGet(string key, out EvaluationOutcome? outcome)
    {
        outcome = _outcomes.TryGetValue(key, out var lazy) && lazy.IsValueCreated ? lazy.Value : null;
        return outcome is not null;
    }

    /// <summary>True when <paramref name="key"/> was scored.</summary>
    public bool Contains(string key) => TryGet(key, out _);

    /// <summary>Records an outcome scored elsewhere (e.g. read back from a resumed run's log).</summary>
    public void Add(string key, EvaluationOutcome outcome) => _outcomes[key] = new Lazy<EvaluationOutcome>(outcome);

    /// <summary>A SHA-256 key of a candidate's defining numbers (exact bit patterns) and a context string (method, settings).</summary>
    public static string KeyOf(string context, ReadOnlySpan<double> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(context));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
