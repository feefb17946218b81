using System.Globalization;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Runs;

/// <summary>Builds the searches a config names, translating its settings (<c>w</c>, <c>c1</c>, <c>granularity</c>…) into settings records.</summary>
public static class SearchMethods
{
    /// <summary>The swarm members a PSO entry asks for (drop rate, with or without sparsified experts); other searches share them.</summary>
    public static SwarmMembers Members(SearchConfig config)
    {
        var pso = PsoSettingsOf(config);
        return new SwarmMembers(config.BaseModel, config.Experts)
        {
            DropRate = Number(pso, "drop_rate", 0.8, "pso"),
            IncludeSparsified = Flag(pso, "sparsified", true, "pso"),
            SparsifySeed = config.Seed,
        };
    }

    /// <summary>The coefficient granularity (shared by every search over the coefficient space; set on the PSO entry).</summary>
    public static Granularity Granularity(SearchConfig config)
    {
        var pso = PsoSettingsOf(config);
        return Text(pso, "granularity", "model", "pso") switch
        {
            "model" => Space.Granularity.Model,
            "layer" => Space.Granularity.Layer,
            "tensor_kind" => Space.Granularity.TensorKind,
            string other => throw new SearchConfigException($"pso: unknown granularity '{other}' (model, layer or tensor_kind)."),
        };
    }

    /// <summary>PSO's settings from its config entry.</summary>
    public static PsoSettings Pso(SearchConfig config)
    {
        var s = PsoSettingsOf(config);
        Check(s, "pso", "steps", "w", "c1", "c2", "r", "initial_velocity", "velocity_clamp", "memory_limit_gb", "drop_rate", "sparsified", "granularity");
        var settings = new PsoSettings
        {
            Steps = (int)Number(s, "steps", 5, "pso"),
            Inertia = Number(s, "w", 0.2, "pso"),
            Cognitive = Number(s, "c1", 2, "pso"),
            Social = Number(s, "c2", 2, "pso"),
            RandomMode = Text(s, "r", "scalar", "pso") switch
            {
                "scalar" => PsoRandomMode.Scalar,
                "elementwise" => PsoRandomMode.Elementwise,
                string other => throw new SearchConfigException($"pso: unknown r '{other}' (scalar or elementwise)."),
            },
            InitialVelocity = Text(s, "initial_velocity", "zero", "pso") switch
            {
                "zero" => InitialVelocity.Zero,
                "toward_random_particle" => InitialVelocity.TowardRandomParticle,
                string other => throw new SearchConfigException($"pso: unknown initial_velocity '{other}' (zero or toward_random_particle)."),
            },
            VelocityClamp = s.ContainsKey("velocity_clamp") ? Number(s, "velocity_clamp", 0, "pso") : null,
            ElementwiseMemoryLimitBytes = (long)(Number(s, "memory_limit_gb", 8, "pso") * (1L << 30)),
            Seed = config.Seed,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>The settings of the config's <c>pso</c> entry (empty without one: the shared settings then take their defaults).</summary>
    public static IReadOnlyDictionary<string, object?> PsoSettingsOf(SearchConfig config) =>
        config.Methods.FirstOrDefault(m => m.Kind == "pso")?.Settings ?? new Dictionary<string, object?>();

    /// <summary>PSO's own evaluation count, (2n+1)·(S+1): the default budget of every search in a run.</summary>
    public static int DefaultBudget(SearchConfig config) => Members(config).Count * (Pso(config).Steps + 1);

    /// <summary>The search of <paramref name="method"/> over <paramref name="materializer"/>'s coefficient space.</summary>
    public static ISearch Create(SearchMethodConfig method, SearchConfig config, SwarmMaterializer materializer, int budget)
    {
        var s = method.Settings;
        switch (method.Kind)
        {
            case "pso":
                return PsoSearch.Create(materializer, Pso(config));
            case "cma_es":
                Check(s, "cma_es", "sigma0", "population");
                return CmaEsSearch.OverCoefficients(materializer.Space, CmaEs(s, "cma_es", config.Seed));
            case "evo":
                Check(s, "evo", "sigma0", "population", "merge_method", "layer_slices");
                return CmaEsSearch.Evo(EvoSpaceOf(method, config), CmaEs(s, "evo", config.Seed));
            case "model_swarms":
                Check(s, "model_swarms", "swarm_size", "inertia", "cognitive", "social", "repel", "random_weights", "step_length", "step_decay", "min_step_length",
                    "max_iterations", "patience", "restart", "restart_patience", "starting_velocity");
                var official = new ModelSwarmsSettings();
                var swarms = new ModelSwarmsSettings
                {
                    SwarmSize = s.ContainsKey("swarm_size") ? (int)Number(s, "swarm_size", 0, "model_swarms") : null,
                    Inertia = Number(s, "inertia", official.Inertia, "model_swarms"),
                    Cognitive = Number(s, "cognitive", official.Cognitive, "model_swarms"),
                    Social = Number(s, "social", official.Social, "model_swarms"),
                    Repel = Number(s, "repel", official.Repel, "model_swarms"),
                    RandomWeights = Flag(s, "random_weights", official.RandomWeights, "model_swarms"),
                    StepLength = Number(s, "step_length", official.StepLength, "model_swarms"),
                    StepDecay = Number(s, "step_decay", official.StepDecay, "model_swarms"),
                    MinimumStepLength = Number(s, "min_step_length", official.MinimumStepLength, "model_swarms"),
                    MaxIterations = (int)Number(s, "max_iterations", official.MaxIterations, "model_swarms"),
                    Patience = (int)Number(s, "patience", official.Patience, "model_swarms"),
                    RestartStrayParticles = Flag(s, "restart", official.RestartStrayParticles, "model_swarms"),
                    RestartPatience = Number(s, "restart_patience", official.RestartPatience, "model_swarms"),
                    StartingVelocity = Text(s, "starting_velocity", "random", "model_swarms") switch
                    {
                        "random" => ModelSwarmsStartingVelocity.Random,
                        "zero" => ModelSwarmsStartingVelocity.Zero,
                        "best" => ModelSwarmsStartingVelocity.Best,
                        string other => throw new SearchConfigException($"model_swarms: unknown starting_velocity '{other}' (random, zero or best)."),
                    },
                    Seed = config.Seed,
                };
                swarms.Validate();
                return new ModelSwarmsSearch(materializer.Space, swarms);
            case "random":
                Check(s, "random", "concentration", "include_members");
                return new RandomSearch(materializer.Space, new RandomSearchSettings
                {
                    Evaluations = budget,
                    Concentration = Number(s, "concentration", 1, "random"),
                    IncludeMembers = Flag(s, "include_members", false, "random"),
                    Seed = config.Seed,
                });
            default:
                throw new SearchConfigException($"Unknown search '{method.Kind}' (use {string.Join(", ", SearchConfigParser.MethodKinds)}).");
        }
    }

    /// <summary>The merge-parameter space an <c>evo</c> entry searches.</summary>
    public static EvoSpace EvoSpaceOf(SearchMethodConfig method, SearchConfig config) =>
        new(config.BaseModel, config.Experts, Text(method.Settings, "merge_method", "ties", "evo"), (int)Number(method.Settings, "layer_slices", 1, "evo"));

    private static CmaEsSettings CmaEs(IReadOnlyDictionary<string, object?> s, string method, ulong seed) => new()
    {
        Sigma0 = Number(s, "sigma0", 1.0 / 6, method),
        PopulationSize = s.ContainsKey("population") ? (int)Number(s, "population", 0, method) : null,
        Seed = seed,
    };

    private static void Check(IReadOnlyDictionary<string, object?> settings, string method, params string[] known)
    {
        var unknown = settings.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
        {
            throw new SearchConfigException($"{method}: unknown setting '{unknown}' (known: {string.Join(", ", known)}).");
        }
    }

    private static double Number(IReadOnlyDictionary<string, object?> s, string key, double fallback, string method) =>
        !s.TryGetValue(key, out var value) ? fallback
        : value is double number ? number
        : throw new SearchConfigException($"{method}: '{key}' must be a number, not '{Convert.ToString(value, CultureInfo.InvariantCulture)}'.");

    private static bool Flag(IReadOnlyDictionary<string, object?> s, string key, bool fallback, string method) =>
        !s.TryGetValue(key, out var value) ? fallback
        : value is bool flag ? flag
        : throw new SearchConfigException($"{method}: '{key}' must be true or false.");

    private static string Text(IReadOnlyDictionary<string, object?> s, string key, string fallback, string method) =>
        !s.TryGetValue(key, out var value) ? fallback
        : value as string ?? throw new SearchConfigException($"{method}: '{key}' must be a word.");
}
