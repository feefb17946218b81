using System.Text.Json.Nodes;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// Model Swarms (Feng et al. 2025, "Model Swarms: Collaborative Search to Adapt LLM Experts via Swarm
/// Intelligence") over the coefficient space. Particles start at the members (and crossovers of them, to reach
/// the swarm size), each with velocity toward another random particle. Every iteration, each particle draws
/// r_v, r_p, r_g, r_w ~ U(0, 1) per coefficient group and moves
/// <code>
/// v ← [r_v·φ_v·v + r_p·φ_p·(p − x) + r_g·φ_g·(g − x) − r_w·φ_w·(g_w − x)] / (r_v·φ_v + r_p·φ_p + r_g·φ_g + r_w·φ_w)
/// x ← x + λ·v
/// </code>
/// with p its personal best, g the global best and g_w the global worst (the worst candidate evaluated so far).
/// Then all particles are scored, and λ decays by φ_λ. It stops after <see cref="ModelSwarmsSettings.MaxIterations"/>
/// iterations, or when g has not improved for <see cref="ModelSwarmsSettings.Patience"/> iterations, and returns
/// g. Every term is a difference of affine combinations, so particles stay affine (Σc = 1 per group).
/// </summary>
public sealed class ModelSwarmsSearch(CoefficientSpace space, ModelSwarmsSettings settings) : ISearch
{
    /// <inheritdoc />
    public string Name => "model-swarms";

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
            int other = count > 1 ? (i + 1 + random.NextInt(count - 1)) % count : i;
            v[i] = x[other].Zip(x[i], (a, b) => a - b).ToArray();
        }
        var best = (double[][])x.Clone();
        var bestFitness = new double[count];
        var sinceImproved = new int[count];
        double[] global = x[0], worst = x[0];
        double globalFitness = double.NegativeInfinity, worstFitness = double.PositiveInfinity;
        bool first = true;

        void Score(int iteration)
        {
            var scored = session.EvaluateAll(Enumerable.Range(0, count).Select(i => new Candidate(Name, iteration, i, x[i])).ToList());
            for (int i = 0; i < count; i++)
            {
                double fitness = scored[i].Fitness;
                if (iteration == 0 || fitness > bestFitness[i])
                {
                    bestFitness[i] = fitness;
                    best[i] = x[i];
                    sinceImproved[i] = 0;
                }
                else
                {
                    sinceImproved[i]++;
                }
                if (first || fitness > globalFitness)
                {
                    (global, globalFitness) = (x[i], fitness);
                }
                if (first || fitness < worstFitness)
                {
                    (worst, worstFitness) = (x[i], fitness);
                }
                first = false;
            }
        }

        Score(0);
        int stale = 0;
        for (int iteration = 1; iteration <= settings.MaxIterations; iteration++)
        {
            if (stale >= settings.Patience)
            {
                return "patience";
            }
            double step = StepLengthAt(iteration);
            for (int i = 0; i < count; i++)
            {
                if (settings.RestartPatience is int restart && sinceImproved[i] >= restart)
                {
                    x[i] = best[i];
                    Array.Clear(v[i]);
                    sinceImproved[i] = 0;
                }
                x[i] = Move(x[i], v[i], best[i], global, worst, step, random);
            }
            double before = globalFitness;
            Score(iteration);
            stale = globalFitness > before ? 0 : stale + 1;
        }
        return "iterations";
    }

    private double[][] InitialSwarm(SearchRandom random)
    {
        int members = space.MemberCount;
        int size = settings.SwarmSize ?? members;
        var swarm = new double[size][];
        for (int i = 0; i < size; i++)
        {
            if (i < members)
            {
                swarm[i] = space.Corner(i);
                continue;
            }
            var a = space.Corner(random.NextInt(members));
            var b = space.Corner(random.NextInt(members));
            double t = random.NextDouble();
            swarm[i] = a.Zip(b, (p, q) => t * p + (1 - t) * q).ToArray();
        }
        return swarm;
    }

    // One particle's move, group by group with its own random factors; returns the new position (velocity updated in place).
    private double[] Move(double[] position, double[] velocity, double[] personal, double[] global, double[] worst, double step, SearchRandom random)
    {
        int m = space.MemberCount;
        var next = (double[])position.Clone();
        for (int g = 0; g < space.GroupCount; g++)
        {
            double rv = random.NextDouble() * settings.Inertia, rp = random.NextDouble() * settings.Cognitive;
            double rg = random.NextDouble() * settings.Social, rw = random.NextDouble() * settings.Repel;
            double total = rv + rp + rg + rw;
            if (total <= 0)
            {
                continue;
            }
            for (int j = g * m; j < (g + 1) * m; j++)
            {
                velocity[j] = (rv * velocity[j] + rp * (personal[j] - position[j]) + rg * (global[j] - position[j]) - rw * (worst[j] - position[j])) / total;
                next[j] = position[j] + step * velocity[j];
            }
        }
        return next;
    }
}
