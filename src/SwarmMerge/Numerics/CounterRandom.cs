using System.Text;

namespace SwarmMerge.Numerics;

/// <summary>
/// Counter-based random numbers: the draw for element j of a tensor depends only on (seed, tensor name,
/// model, j), so masks can be regenerated chunk by chunk, in any order and on any thread, with identical
/// results. The construction (SplitMix64's finalizer over a Weyl sequence) is specified in
/// docs/merge-methods.md so that other implementations can reproduce it.
/// </summary>
public static class CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    /// <summary>2²⁴: draws are integers in [0, 2²⁴).</summary>
    public const double Range = 16777216.0;

    /// <summary>SplitMix64's output function.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a (64-bit) of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static ulong Fnv1a(string text)
    {
        ulong hash = 0xCBF29CE484222325;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 0x100000001B3;
        }
        return hash;
    }

    /// <summary>The stream key of one tensor of one model (1-based <paramref name="modelId"/>) under <paramref name="seed"/>.</summary>
    public static ulong StreamKey(ulong seed, string tensorName, int modelId) =>
        Mix(seed ^ Mix(Fnv1a(tensorName) ^ Mix((ulong)modelId)));

    /// <summary>The 24-bit draw for element <paramref name="index"/> of a stream.</summary>
    public static uint Draw(ulong key, long index) => (uint)(Mix(key + (ulong)(index + 1) * Golden) >> 40);

    /// <summary>True when element <paramref name="index"/> is kept with probability <paramref name="probability"/>.</summary>
    public static bool Keep(ulong key, long index, double probability) => Draw(key, index) < probability * Range;
}
