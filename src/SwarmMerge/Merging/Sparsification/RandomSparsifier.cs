using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Sparsification;

/// <summary>DARE: keeps each entry with probability <paramref name="density"/>, drawn from the counter-based stream <paramref name="key"/>.</summary>
public sealed class RandomSparsifier(ulong key, double density) : Sparsifier
{
    /// <inheritdoc />
    public override void Apply(long start, Span<float> delta, bool divideByKeepProbability)
    {
        // draw < density·2²⁴ for an integer draw ⇔ draw < ⌈density·2²⁴⌉: compare integers, without branches.
        uint threshold = (uint)Math.Ceiling(density * CounterRandom.Range);
        float probability = (float)density;
        if (divideByKeepProbability)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(delta, probability, delta);
        }
        var bits = MemoryMarshal.Cast<float, uint>(delta);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var limit = Vector256.Create(threshold);
            var lanes = Vector256.Create(1UL, 2, 3, 4);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var first = Draws(key, (ulong)(start + i), lanes);
                var second = Draws(key, (ulong)(start + i + 4), lanes);
                var keep = Vector256.LessThan(Vector256.Narrow(first, second), limit);
                (Vector256.Create(bits.Slice(i, Vector256<uint>.Count)) & keep).CopyTo(bits.Slice(i));
            }
        }
        for (; i < bits.Length; i++)
        {
            if (CounterRandom.Draw(key, start + i) >= threshold)
            {
                bits[i] = 0;
            }
        }
    }

    // CounterRandom.Draw for the four indices first + 0 … first + 3 (lanes holds 1..4 for the "+1" of the definition).
    private static Vector256<ulong> Draws(ulong key, ulong first, Vector256<ulong> lanes)
    {
        var z = Vector256.Create(key) + (Vector256.Create(first) + lanes) * 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return (z ^ (z >> 31)) >> 40;
    }
}
