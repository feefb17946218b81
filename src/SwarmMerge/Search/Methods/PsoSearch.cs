using System.Text.Json.Nodes;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// PSO-Merging in coefficient space (<see cref="PsoRandomMode.Scalar"/>): the swarm is the space's members
/// (base, experts, sparsified experts), each starting at its own corner; r₁ and r₂ are drawn per particle,
/// step and coefficient group, so every particle stays an affine combination of the members (each group's
/// coefficients sum to 1). The result is the global best ever seen. For r per parameter see
/// <see cref="ElementwisePsoSearch"/>; <see cref="Create"/> picks by <see cref="PsoSettings.RandomMode"/>.
/// </summary>
public sealed class PsoSearch : ISearch
{
    private readonly CoefficientSpace _space;
    private readonly PsoSettings _settings;

    /// <summary>PSO over <paramref name="space"/>.</summary>
    public PsoSearch(CoefficientSpace space, PsoSettings settings)
    {
        settings.Validate();
        if (settings.RandomMode != PsoRandomMode.Scalar)
        {
            throw new ArgumentException("Coefficient-space PSO draws r per coefficient group; for r per parameter use ElementwisePsoSearch (or PsoSearch.Create).", nameof(settings));
        }
        _space = space;
        _settings = settings;
    }

    /// <summary>The PSO the settings ask for: coefficient space for scalar r, full vectors for elementwise r.</summary>
    public static ISearch Create(SwarmMaterializer materializer, PsoSettings settings) =>
        settings.RandomMode == PsoRandomMode.Scalar ? new PsoSearch(materializer.Space, settings) : new ElementwisePsoSearch(materializer, settings);

    /// <inheritdoc />
    public string Name => "pso";

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, _settings,
        ("space", new JsonObject { ["members"] = _space.MemberCount, ["groups"] = _space.GroupCount }));

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        int count = _space.MemberCount;
        int groups = _space.GroupCount;
        var random = new SearchRandom(_settings.Seed, Name);
        var x = Enumerable.Range(0, count).Select(_space.Corner).ToArray();
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
                for (int g = 0; g < groups; g++)
                {
                    double r1 = random.NextDouble(), r2 = random.NextDouble();
                    var row = new Range(g * count, (g + 1) * count);
                    Move(position.AsSpan(row), v[p].AsSpan(row), best[p].AsSpan(row), global.AsSpan(row), r1, r2);
                }
                x[p] = position;
            }
            int stepLeader = leader;
            var scored = session.EvaluateAll(Enumerable.Range(0, count).Select(p => new Candidate(Name, step, p, x[p])).ToList());
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

    // One group of one particle: v ← w·v + c₁·r₁·(pbest − x) + c₂·r₂·(gbest − x), clamped; x ← x + v.
    private void Move(Span<double> position, Span<double> velocity, ReadOnlySpan<double> personal, ReadOnlySpan<double> global, double r1, double r2)
    {
        double largest = 0;
        for (int j = 0; j < position.Length; j++)
        {
            velocity[j] = _settings.Inertia * velocity[j] + _settings.Cognitive * r1 * (personal[j] - position[j]) + _settings.Social * r2 * (global[j] - position[j]);
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
