using System.Text.Json.Nodes;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// PSO-Merging with r₁ and r₂ drawn per parameter (<see cref="PsoRandomMode.Elementwise"/>): particles are full
/// fp32 weight vectors over the merged tensors, so memory grows with swarm size and model size: position,
/// velocity and personal best per particle, plus the global best. For small models only: it refuses, before
/// any work, models that would need more than <see cref="PsoSettings.ElementwiseMemoryLimitBytes"/>. Each r is
/// a counter-based draw from (seed, step, particle, coefficient, parameter index), so steps run in parallel
/// chunks and still reproduce exactly. Candidates carry their weights in <see cref="Candidate.Vector"/>.
/// </summary>
public sealed class ElementwisePsoSearch : ISearch
{
    private const int Chunk = SwarmMaterializer.ChunkElements;
    private readonly SwarmMaterializer _materializer;
    private readonly PsoSettings _settings;
    private readonly double[][] _start;
    private readonly int _length;

    /// <summary>Elementwise PSO over the members of <paramref name="materializer"/>, its particles starting at <paramref name="start"/>.</summary>
    /// <param name="materializer">The members and the tensors they merge.</param>
    /// <param name="settings">Constants and steps.</param>
    /// <param name="start">One point per particle as one weight per member (summing to 1); null: every member's corner (the paper's swarm).</param>
    /// <exception cref="InsufficientMemoryException">The particle vectors would need more than the limit; the message gives both numbers.</exception>
    public ElementwisePsoSearch(SwarmMaterializer materializer, PsoSettings settings, IReadOnlyList<double[]>? start = null)
    {
        settings.Validate();
        _materializer = materializer;
        _settings = settings;
        int members = materializer.Members.Count;
        _start = (start ?? Enumerable.Range(0, members).Select(m => new CoefficientSpace(members, 1).Corner(m)).ToList()).Select(w => (double[])w.Clone()).ToArray();
        if (_start.Length == 0 || _start.Any(w => w.Length != members || Math.Abs(w.Sum() - 1) > 1e-9))
        {
            throw new ArgumentException($"Elementwise PSO needs at least one starting particle of {members} member weights summing to 1.", nameof(start));
        }
        int particles = _start.Length;
        long need = RequiredBytes(particles, materializer.ParameterCount);
        if (need > settings.ElementwiseMemoryLimitBytes || materializer.ParameterCount > Array.MaxLength)
        {
            int vectors = 3 * particles + 1;
            throw new InsufficientMemoryException(
                $"Elementwise PSO keeps {vectors} full parameter vectors ({particles} particles × position, velocity and personal best, plus the global best) "
                + $"of {materializer.ParameterCount:N0} parameters in fp32: {need:N0} bytes ({need / (double)(1 << 30):F2} GiB), "
                + $"over the limit of {settings.ElementwiseMemoryLimitBytes:N0} bytes ({settings.ElementwiseMemoryLimitBytes / (double)(1 << 30):F2} GiB)"
                + (materializer.ParameterCount > Array.MaxLength ? $" and over the {Array.MaxLength:N0} elements one vector can hold" : "")
                + ". Use the coefficient space (RandomMode Scalar, the default), or raise ElementwiseMemoryLimitBytes.");
        }
        _length = (int)materializer.ParameterCount;
    }

    /// <summary>Bytes elementwise PSO needs for <paramref name="particles"/> particles of <paramref name="parameters"/> parameters: (3·particles + 1) fp32 vectors.</summary>
    public static long RequiredBytes(int particles, long parameters) => (3L * particles + 1) * parameters * sizeof(float);

    /// <inheritdoc />
    public string Name => SearchKind.Pso.LogName() + "-elementwise";

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, _settings,
        ("space", new JsonObject { ["members"] = _materializer.Members.Count, ["parameters"] = _materializer.ParameterCount }),
        ("start", new JsonArray(_start.Select(w => (JsonNode)new JsonArray(w.Select(c => (JsonNode)c).ToArray())).ToArray())));

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        int count = _start.Length;
        var space = _materializer.Space;
        var x = new float[count][];
        for (int p = 0; p < count; p++)
        {
            x[p] = new float[_length];
            var point = new double[space.Dimension];
            for (int g = 0; g < space.GroupCount; g++)
            {
                _start[p].CopyTo(point, g * space.MemberCount);
            }
            foreach (var tensor in _materializer.Tensors)
            {
                _materializer.MaterializeTensor(tensor.Name, point, x[p].AsSpan((int)_materializer.OffsetOf(tensor.Name), (int)tensor.ElementCount));
            }
        }
        var v = InitialVelocities(x);
        var best = new float[count][];
        var bestFitness = new double[count];
        int leader = 0;
        var initial = session.EvaluateAll(Enumerable.Range(0, count).Select(p => new Candidate(Name, 0, p, []) { Vector = x[p] }).ToList());
        for (int p = 0; p < count; p++)
        {
            bestFitness[p] = initial[p].Fitness;
            best[p] = x[p];
            leader = bestFitness[p] > bestFitness[leader] ? p : leader;
        }

        for (int step = 1; step <= _settings.Steps; step++)
        {
            var global = best[leader];
            for (int p = 0; p < count; p++)
            {
                // A new array per move: personal bests and the global best keep pointing at arrays that never change.
                var position = (float[])x[p].Clone();
                Move(position, v[p], best[p], global, DrawKey(step, p, 1), DrawKey(step, p, 2));
                x[p] = position;
            }
            int stepLeader = leader;
            var scored = session.EvaluateAll(Enumerable.Range(0, count).Select(p => new Candidate(Name, step, p, []) { Vector = x[p], Threshold = bestFitness[p] }).ToList());
            for (int p = 0; p < count; p++)
            {
                double fitness = scored[p].Fitness;
                if (fitness > bestFitness[p])
                {
                    bestFitness[p] = fitness;
                    best[p] = x[p];
                }
                stepLeader = bestFitness[p] > bestFitness[stepLeader] ? p : stepLeader;
            }
            leader = stepLeader;
        }
        return "steps";
    }

    private ulong DrawKey(int step, int particle, int coefficient) =>
        CounterRandom.StreamKey(_settings.Seed, $"pso-elementwise/r{coefficient}/step{step}", particle + 1);

    private void Move(float[] position, float[] velocity, float[] personal, float[] global, ulong key1, ulong key2)
    {
        float w = (float)_settings.Inertia, c1 = (float)_settings.Cognitive, c2 = (float)_settings.Social;
        float clamp = (float)(_settings.VelocityClamp ?? double.PositiveInfinity);
        const float Scale = (float)(1 / CounterRandom.Range);
        int chunks = (_length + Chunk - 1) / Chunk;
        Parallel.For(0, chunks, chunk =>
        {
            int end = Math.Min(_length, (chunk + 1) * Chunk);
            for (int j = chunk * Chunk; j < end; j++)
            {
                float r1 = CounterRandom.Draw(key1, j) * Scale, r2 = CounterRandom.Draw(key2, j) * Scale;
                float updated = w * velocity[j] + c1 * r1 * (personal[j] - position[j]) + c2 * r2 * (global[j] - position[j]);
                velocity[j] = Math.Clamp(updated, -clamp, clamp);
                position[j] += velocity[j];
            }
        });
    }

    private float[][] InitialVelocities(float[][] x)
    {
        var random = new SearchRandom(_settings.Seed, Name);
        var v = new float[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            v[p] = new float[_length];
            if (_settings.InitialVelocity == InitialVelocity.TowardRandomParticle && x.Length > 1)
            {
                int q = (p + 1 + random.NextInt(x.Length - 1)) % x.Length;
                System.Numerics.Tensors.TensorPrimitives.Subtract(x[q], x[p], v[p]);
            }
        }
        return v;
    }
}
