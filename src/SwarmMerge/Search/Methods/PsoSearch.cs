using System.Text.Json.Nodes;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// PSO-Merging in coefficient space (<see cref="PsoRandomMode.Scalar"/> or <see cref="PsoRandomMode.Coefficient"/>).
/// Each particle starts at a point given as one weight per member, the same in every coefficient group: by default
/// (the paper) the members themselves (base, experts, sparsified experts), each at its own corner. r₁ and r₂ are
/// drawn per particle, step and coefficient group, or also per coefficient (then the base's coefficient moves by
/// minus the others' moves); during the first <see cref="PsoSettings.TiedSteps"/> steps every group uses the same
/// draws, so groups that start alike move alike. Every particle stays an affine combination of the members (each
/// group's coefficients sum to 1). The result is the global best ever seen. For r per parameter see
/// <see cref="ElementwisePsoSearch"/>; <see cref="Create"/> picks by <see cref="PsoSettings.RandomMode"/>.
/// </summary>
public sealed class PsoSearch : ISearch
{
    private readonly CoefficientSpace _space;
    private readonly PsoSettings _settings;
    private readonly double[][] _start;

    /// <summary>PSO over <paramref name="space"/>, its particles starting at <paramref name="start"/>.</summary>
    /// <param name="space">The coefficient space.</param>
    /// <param name="settings">Constants and steps.</param>
    /// <param name="start">One point per particle, as one weight per member (summing to 1), used in every group; null: every member's corner (the paper's swarm).</param>
    public PsoSearch(CoefficientSpace space, PsoSettings settings, IReadOnlyList<double[]>? start = null)
    {
        settings.Validate();
        if (settings.RandomMode == PsoRandomMode.Elementwise)
        {
            throw new ArgumentException("Coefficient-space PSO draws r per coefficient group or per coefficient; for r per parameter use ElementwisePsoSearch (or PsoSearch.Create).", nameof(settings));
        }
        _space = space;
        _settings = settings;
        _start = (start ?? Enumerable.Range(0, space.MemberCount).Select(m => new CoefficientSpace(space.MemberCount, 1).Corner(m)).ToList())
            .Select(w => (double[])w.Clone()).ToArray();
        if (_start.Length == 0)
        {
            throw new ArgumentException("PSO needs at least one particle.", nameof(start));
        }
        foreach (var weights in _start)
        {
            if (weights.Length != space.MemberCount || Math.Abs(weights.Sum() - 1) > 1e-9 || !weights.All(double.IsFinite))
            {
                throw new ArgumentException($"A starting particle needs {space.MemberCount} finite member weights summing to 1; got [{string.Join(", ", weights)}].", nameof(start));
            }
        }
    }

    /// <summary>The PSO the settings ask for: coefficient space for scalar r, full vectors for elementwise r.</summary>
    public static ISearch Create(SwarmMaterializer materializer, PsoSettings settings, IReadOnlyList<double[]>? start = null) =>
        settings.RandomMode == PsoRandomMode.Elementwise ? new ElementwisePsoSearch(materializer, settings, start) : new PsoSearch(materializer.Space, settings, start);

    /// <inheritdoc />
    public string Name => SearchKind.Pso.LogName();

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, _settings,
        ("space", new JsonObject { ["members"] = _space.MemberCount, ["groups"] = _space.GroupCount }),
        ("start", new JsonArray(_start.Select(w => (JsonNode)new JsonArray(w.Select(c => (JsonNode)c).ToArray())).ToArray())));

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        int count = _start.Length;
        int members = _space.MemberCount;
        int groups = _space.GroupCount;
        var random = new SearchRandom(_settings.Seed, Name);
        var x = _start.Select(Lift).ToArray();
        var v = InitialVelocities(x, random);
        var best = new double[count][];
        var bestFitness = new double[count];
        int leader = 0;

        var initial = session.EvaluateAll(Enumerable.Range(0, count).Select(p => new Candidate(Name, 0, p, x[p])).ToList());
        for (int p = 0; p < count; p++)
        {
            bestFitness[p] = initial[p].Fitness;
            best[p] = x[p];
            if (bestFitness[p] > bestFitness[leader])
            {
                leader = p;
            }
        }

        for (int step = 1; step <= _settings.Steps; step++)
        {
            var global = best[leader];
            for (int p = 0; p < count; p++)
            {
                var position = (double[])x[p].Clone();
                bool tied = step <= _settings.TiedSteps;
                var r1 = new double[members];
                var r2 = new double[members];
                for (int g = 0; g < groups; g++)
                {
                    if (!tied || g == 0)
                    {
                        Draw(r1, r2, random);
                    }
                    var row = new Range(g * members, (g + 1) * members);
                    Move(position.AsSpan(row), v[p].AsSpan(row), best[p].AsSpan(row), global.AsSpan(row), r1, r2);
                }
                x[p] = position;
            }
            int stepLeader = leader;
            // A particle's move matters only if it beats its personal best (which the global best is at least).
            var scored = session.EvaluateAll(Enumerable.Range(0, count).Select(p => new Candidate(Name, step, p, x[p]) { Threshold = bestFitness[p] }).ToList());
            for (int p = 0; p < count; p++)
            {
                double fitness = scored[p].Fitness;
                if (fitness > bestFitness[p])
                {
                    bestFitness[p] = fitness;
                    best[p] = x[p];
                }
                if (bestFitness[p] > bestFitness[stepLeader])
                {
                    stepLeader = p;
                }
            }
            leader = stepLeader;
        }
        return "steps";
    }

    // One group's draws: a single r₁, r₂ for every coefficient (scalar), or one per coefficient but the base's.
    private void Draw(double[] r1, double[] r2, SearchRandom random)
    {
        if (_settings.RandomMode == PsoRandomMode.Scalar)
        {
            Array.Fill(r1, random.NextDouble());
            Array.Fill(r2, random.NextDouble());
            return;
        }
        for (int j = 1; j < r1.Length; j++)
        {
            (r1[j], r2[j]) = (random.NextDouble(), random.NextDouble());
        }
    }

    // One group of one particle: v ← w·v + c₁·r₁·(pbest − x) + c₂·r₂·(gbest − x), clamped; x ← x + v. With r per
    // coefficient, the base's velocity is minus the others' sum, so the group's coefficients keep summing to 1.
    private void Move(Span<double> position, Span<double> velocity, ReadOnlySpan<double> personal, ReadOnlySpan<double> global, double[] r1, double[] r2)
    {
        double largest = 0, others = 0;
        int first = _settings.RandomMode == PsoRandomMode.Coefficient ? 1 : 0;
        for (int j = first; j < position.Length; j++)
        {
            velocity[j] = _settings.Inertia * velocity[j] + _settings.Cognitive * r1[j] * (personal[j] - position[j]) + _settings.Social * r2[j] * (global[j] - position[j]);
            others += velocity[j];
        }
        if (first == 1)
        {
            velocity[0] = -others;
        }
        for (int j = 0; j < position.Length; j++)
        {
            largest = Math.Max(largest, Math.Abs(velocity[j]));
        }
        if (_settings.VelocityClamp is { } clamp && largest > clamp)
        {
            // Scale the whole group's velocity: it keeps summing to 0, so the coefficients keep summing to 1.
            double scale = clamp / largest;
            for (int j = 0; j < velocity.Length; j++)
            {
                velocity[j] *= scale;
            }
        }
        for (int j = 0; j < position.Length; j++)
        {
            position[j] += velocity[j];
        }
    }

    // Member weights → a point with those weights in every group.
    private double[] Lift(double[] weights)
    {
        var point = new double[_space.Dimension];
        for (int g = 0; g < _space.GroupCount; g++)
        {
            weights.CopyTo(point, g * _space.MemberCount);
        }
        return point;
    }

    private double[][] InitialVelocities(double[][] x, SearchRandom random)
    {
        var v = new double[x.Length][];
        for (int p = 0; p < x.Length; p++)
        {
            v[p] = new double[x[p].Length];
            if (_settings.InitialVelocity == InitialVelocity.TowardRandomParticle && x.Length > 1)
            {
                int q = (p + 1 + random.NextInt(x.Length - 1)) % x.Length;
                for (int j = 0; j < v[p].Length; j++)
                {
                    v[p][j] = x[q][j] - x[p][j];
                }
            }
        }
        return v;
    }
}
