using System.Text.Json.Nodes;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// Model Swarms (Feng et al. 2025, "Model Swarms: Collaborative Search to Adapt LLM Experts via Swarm
/// Intelligence") over the coefficient space, following the official implementation (<c>search.py</c> of
/// github.com/BunsenFeng/model_swarm) step for step. Particles start at the members, and crossovers
/// w·x_a + (1 − w)·x_b (w = 2·U(0, 1)) of two different particles fill the swarm beyond them. Every iteration,
/// each particle draws r_v, r_p, r_g, r_w ~ U(0, 1) once (for all its coefficients), normalizes the four weights
/// r·φ by their sum, and moves
/// <code>
/// v ← w_v·v + w_p·(p − x) + w_g·(g − x) + w_w·(x − g_w)
/// x ← x + λ·v
/// </code>
/// with p its personal best, g the global best and g_w the global worst (the worst candidate scored so far). Then
/// all particles are scored and λ decays by φ_λ. A particle whose personal best has grown stale first restarts
/// there with zero velocity (see <see cref="ModelSwarmsSettings.RestartPatience"/>). It stops after
/// <see cref="ModelSwarmsSettings.MaxIterations"/> iterations, or when the global best's history has been flat for
/// <see cref="ModelSwarmsSettings.Patience"/> entries. Every term is a difference of affine combinations (or an
/// extrapolating crossover), so particles stay affine (Σc = 1 per group).
/// <para>Differences from the official code, all forced by the setting: particles are coefficient vectors, not
/// LoRA adapters; the run's budget also ends the search; the result is the session's best evaluation (the first
/// of equals), where the official code reports the last particle whose personal best equals g.</para>
/// </summary>
public sealed class ModelSwarmsSearch(CoefficientSpace space, ModelSwarmsSettings settings) : ISearch
{
    /// <inheritdoc />
    public string Name => SearchKind.ModelSwarms.LogName();

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, settings,
        ("space", new JsonObject { ["members"] = space.MemberCount, ["groups"] = space.GroupCount }));

    /// <summary>The step length λ used in iteration <paramref name="iteration"/> (1-based): max(λ₀·φ_λ^(iteration−1), minimum).</summary>
    public double StepLengthAt(int iteration) =>
        Math.Max(settings.StepLength * Math.Pow(settings.StepDecay, iteration - 1), settings.MinimumStepLength);

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        settings.Validate();
        var random = new SearchRandom(settings.Seed, Name);
        var x = InitialSwarm(random);
        int count = x.Length;
        var v = new double[count][];
        for (int i = 0; i < count; i++)
        {
            v[i] = new double[space.Dimension];
            if (settings.StartingVelocity == ModelSwarmsStartingVelocity.Random && count > 1)
            {
                v[i] = Difference(x[(i + 1 + random.NextInt(count - 1)) % count], x[i]);
            }
        }

        var initial = Fitnesses(session.EvaluateAll(Candidates(0, x)));
        var best = (double[][])x.Clone();
        var bestFitness = (double[])initial.Clone();
        var history = initial.Select(f => new List<double> { f }).ToArray();
        int leader = Array.IndexOf(initial, initial.Max());
        int loser = Array.IndexOf(initial, initial.Min());
        double[] global = x[leader], worst = x[loser];
        double globalFitness = initial[leader], worstFitness = initial[loser];
        var globalHistory = new List<double> { globalFitness };
        if (settings.StartingVelocity == ModelSwarmsStartingVelocity.Best)
        {
            for (int i = 0; i < count; i++)
            {
                v[i] = Difference(global, x[i]);
            }
        }

        for (int iteration = 1; iteration <= settings.MaxIterations; iteration++)
        {
            if (globalHistory.Count > settings.Patience && globalHistory.TakeLast(settings.Patience).Distinct().Count() == 1)
            {
                return "patience";
            }
            double step = StepLengthAt(iteration);
            for (int i = 0; i < count; i++)
            {
                if (settings.RestartStrayParticles && history[i].Count - history[i].IndexOf(bestFitness[i]) >= settings.RestartPatience * settings.Patience)
                {
                    x[i] = best[i];
                    v[i] = new double[space.Dimension];
                }
                x[i] = Move(x[i], v[i], best[i], global, worst, step, random);
            }

            var fitness = Fitnesses(session.EvaluateAll(Candidates(iteration, x)));
            for (int i = 0; i < count; i++)
            {
                history[i].Add(fitness[i]);
                if (fitness[i] > bestFitness[i])
                {
                    (best[i], bestFitness[i]) = (x[i], fitness[i]);
                }
            }
            double highest = fitness.Max(), lowest = fitness.Min();
            if (highest > globalFitness)
            {
                // The first particle at the new best, as the official code copies it.
                (global, globalFitness) = (x[Array.IndexOf(fitness, highest)], highest);
            }
            globalHistory.Add(globalFitness);
            if (lowest < worstFitness)
            {
                // The last particle at the new worst: the official code copies every one that equals it, in order.
                (worst, worstFitness) = (x[Array.LastIndexOf(fitness, lowest)], lowest);
            }
        }
        return "iterations";
    }

    private List<Candidate> Candidates(int iteration, double[][] x) =>
        x.Select((point, i) => new Candidate(Name, iteration, i, point)).ToList();

    private static double[] Fitnesses(IReadOnlyList<ScoredCandidate> scored) => scored.Select(s => s.Fitness).ToArray();

    private static double[] Difference(double[] to, double[] from) => to.Zip(from, (a, b) => a - b).ToArray();

    // The members, then crossovers of two different particles of the swarm so far (children may be parents, as in the official code).
    private double[][] InitialSwarm(SearchRandom random)
    {
        int members = space.MemberCount;
        int size = settings.SwarmSize ?? members;
        var swarm = new List<double[]>(size);
        for (int i = 0; i < Math.Min(size, members); i++)
        {
            swarm.Add(space.Corner(i));
        }
        while (swarm.Count < size)
        {
            int a = random.NextInt(swarm.Count);
            int b = swarm.Count > 1 ? (a + 1 + random.NextInt(swarm.Count - 1)) % swarm.Count : a;
            double w = 2 * random.NextDouble();
            swarm.Add(swarm[a].Zip(swarm[b], (p, q) => w * p + (1 - w) * q).ToArray());
        }
        return [.. swarm];
    }

    // One particle's move with its own random weights for all its coefficients; returns the new position (velocity updated in place).
    private double[] Move(double[] position, double[] velocity, double[] personal, double[] global, double[] worst, double step, SearchRandom random)
    {
        double Draw() => settings.RandomWeights ? random.NextDouble() : 1;
        double rv = Draw() * settings.Inertia, rp = Draw() * settings.Cognitive, rg = Draw() * settings.Social, rw = Draw() * settings.Repel;
        double total = rv + rp + rg + rw;
        var next = new double[position.Length];
        if (total <= 0)
        {
            // Every draw was 0 (probability 0 unless weights are): the official code would divide by zero; stand still.
            position.CopyTo(next, 0);
            return next;
        }
        for (int j = 0; j < position.Length; j++)
        {
            velocity[j] = (rv * velocity[j] + rp * (personal[j] - position[j]) + rg * (global[j] - position[j]) + rw * (position[j] - worst[j])) / total;
            next[j] = position[j] + step * velocity[j];
        }
        return next;
    }
}
