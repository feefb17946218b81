using System.Collections;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>
/// The weights an architecture declares from its <c>config.json</c>, refused as soon as they could not fit in memory
/// (so a config with absurd sizes fails at once instead of allocating until the machine gives out). Each weight counts
/// its fp32 buffer plus <see cref="OverheadBytes"/> for what the runtime keeps per weight and per graph node.
/// </summary>
internal sealed class WeightList(ConfigReader config) : IReadOnlyList<WeightSpec>
{
    /// <summary>Bytes counted per weight beyond its buffer (a conservative figure for the graph and session bookkeeping).</summary>
    public const long OverheadBytes = 16 << 10;

    private readonly List<WeightSpec> _weights = [];
    private readonly long _limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    private long _bytes;

    /// <inheritdoc />
    public int Count => _weights.Count;

    /// <inheritdoc />
    public WeightSpec this[int index] => _weights[index];

    /// <summary>Adds <paramref name="weight"/>.</summary>
    /// <exception cref="ModelConfigException">The weights so far would not fit in the memory available.</exception>
    public void Add(WeightSpec weight)
    {
        try
        {
            if (weight.Shape.Any(d => d < 0))
            {
                throw new OverflowException(); // a dimension computed from the config's sizes overflowed
            }
            long elements = weight.Shape.Aggregate(1L, (a, b) => checked(a * b));
            _bytes = checked(_bytes + elements * sizeof(float) + OverheadBytes);
        }
        catch (OverflowException)
        {
            _bytes = long.MaxValue;
        }
        if (_bytes > _limit)
        {
            throw new ModelConfigException(
                $"{config.Source}: the model it describes does not fit in memory: its weights need more than {_limit / 1e9:F1} GB in fp32 (the memory available) "
                + $"already at '{weight.Name}' {weight.ShapeText}; check its sizes (layers, hidden size, intermediate size, vocabulary).");
        }
        _weights.Add(weight);
    }

    /// <summary>Adds each of <paramref name="weights"/>.</summary>
    public void AddRange(IEnumerable<WeightSpec> weights)
    {
        foreach (var weight in weights)
        {
            Add(weight);
        }
    }

    /// <inheritdoc />
    public IEnumerator<WeightSpec> GetEnumerator() => _weights.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
