using System.Globalization;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Runs;

/// <summary>Builds the searches a config names, translating its settings (<c>w</c>, <c>c1</c>, <c>granularity</c>…) into settings records.</summary>
public static class SearchMethods
{
    private static readonly string[] SpaceKeys = ["drop_rate", "sparsified", "granularity"];

    // Every search can hold rows back to select its result on (SearchSession's ResultSelection).
    private static readonly string[] SelectionKeys = ["holdout", "task_floor"];

    private static readonly string[] PsoKeys =
        ["preset", "steps", "w", "c1", "c2", "r", "initial_velocity", "velocity_clamp", "memory_limit_gb", "start", "lambdas", "anchors", "tied_steps", .. SpaceKeys, .. SelectionKeys];

    /// <summary>The swarm members (drop rate, with or without sparsified experts) of the config's first PSO entry; the other searches share them.</summary>
    public static SwarmMembers Members(SearchConfig config) => MembersOf(PsoSettingsOf(config), config, "pso");

    /// <summary>The coefficient granularity of the config's first PSO entry; the other searches over the coefficient space share it.</summary>
    public static Granularity Granularity(SearchConfig config) => GranularityOf(PsoSettingsOf(config), "pso");

    /// <summary>
    /// The coefficient space <paramref name="method"/> searches: its members (without anchors), granularity, and the
    /// data-free merges to add as anchor members (<c>anchors</c> of a PSO entry; none for other searches).
    /// A PSO entry has its own space from its own (preset) settings; the other searches share the first PSO entry's.
    /// </summary>
    public static (SwarmMembers Members, Granularity Granularity, IReadOnlyList<string> Anchors) SpaceOf(SearchMethodConfig method, SearchConfig config)
    {
        if (method.Kind != "pso")
        {
            return (Members(config), Granularity(config), []);
        }
        var s = PsoSettingsWithPreset(method);
        var anchors = Words(s, "anchors", method.Name);
        foreach (string anchor in anchors)
        {
            if (!SearchRun.BaselineDefaults.ContainsKey(anchor) || anchor is "linear" or "model_stock")
            {
                throw new SearchConfigException($"{method.Name}: anchor '{anchor}' is not a merge of the experts' task vectors PSO can use (ties, dare_ties, dare_linear, della, breadcrumbs_ties, task_arithmetic).");
            }
        }
        if (anchors.Distinct().Count() != anchors.Count)
        {
            throw new SearchConfigException($"{method.Name}: 'anchors' lists a merge twice.");
        }
        return (MembersOf(s, config, method.Name), GranularityOf(s, method.Name), anchors);
    }

    /// <summary>PSO's settings from the config's first PSO entry.</summary>
    public static PsoSettings Pso(SearchConfig config) =>
        Pso(config.Methods.FirstOrDefault(m => m.Kind == "pso") ?? new SearchMethodConfig("pso", new Dictionary<string, object?>()), config);

    /// <summary>PSO's settings from its config entry: its <c>preset</c>'s values (<see cref="PsoPresets"/>) overridden by the entry's own.</summary>
    public static PsoSettings Pso(SearchMethodConfig method, SearchConfig config)
    {
        var s = PsoSettingsWithPreset(method);
        string name = method.Name;
        var settings = new PsoSettings
        {
            Steps = Integer(s, "steps", 0, 0, name),
            Inertia = Number(s, "w", double.NaN, name, SettingBound.AtLeast(0)),
            Cognitive = Number(s, "c1", double.NaN, name, SettingBound.AtLeast(0)),
            Social = Number(s, "c2", double.NaN, name, SettingBound.AtLeast(0)),
            RandomMode = Text(s, "r", "scalar", name) switch
            {
                "scalar" => PsoRandomMode.Scalar,
                "coefficient" => PsoRandomMode.Coefficient,
                "elementwise" => PsoRandomMode.Elementwise,
                string other => throw new SearchConfigException($"{name}: unknown r '{other}' (scalar, coefficient or elementwise)."),
            },
            InitialVelocity = Text(s, "initial_velocity", "zero", name) switch
            {
                "zero" => InitialVelocity.Zero,
                "toward_random_particle" => InitialVelocity.TowardRandomParticle,
                string other => throw new SearchConfigException($"{name}: unknown initial_velocity '{other}' (zero or toward_random_particle)."),
            },
            VelocityClamp = s.ContainsKey("velocity_clamp") ? Number(s, "velocity_clamp", 0, name, SettingBound.Above(0)) : null,
            ElementwiseMemoryLimitBytes = (long)(Number(s, "memory_limit_gb", 8, name, new SettingBound(0, 1e9, LowerOpen: true)) * (1L << 30)),
            TiedSteps = Integer(s, "tied_steps", 0, 0, name),
            Seed = config.Seed,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>
    /// Where a PSO entry's particles start, as member weights of <paramref name="members"/>: <c>start: members</c>
    /// (the paper) puts one particle on every member; <c>start: merges</c> puts one on each expert, one on each anchor,
    /// and one on task arithmetic θ₀ + λ·Σ τᵢ for each λ of <c>lambdas</c> (base weight 1 − nλ, each expert λ).
    /// Null for <c>members</c>.
    /// </summary>
    public static IReadOnlyList<double[]>? PsoStart(SearchMethodConfig method, SwarmMembers members)
    {
        var s = PsoSettingsWithPreset(method);
        string start = Text(s, "start", "members", method.Name);
        if (start == "members")
        {
            return null;
        }
        if (start != "merges")
        {
            throw new SearchConfigException($"{method.Name}: unknown start '{start}' (members or merges).");
        }
        int m = members.Count, n = members.ExpertCount;
        double[] Corner(int member)
        {
            var w = new double[m];
            w[member] = 1;
            return w;
        }
        var points = new List<double[]>();
        points.AddRange(Enumerable.Range(1, n).Select(Corner));
        points.AddRange(Enumerable.Range(members.FirstAnchor, members.Anchors.Count).Select(Corner));
        foreach (double lambda in Numbers(s, "lambdas", method.Name, SettingBound.Finite))
        {
            var w = new double[m];
            w[0] = 1 - n * lambda;
            for (int i = 1; i <= n; i++)
            {
                w[i] = lambda;
            }
            points.Add(w);
        }
        return points;
    }

    /// <summary>The settings of the config's first <c>pso</c> entry (empty without one: the shared settings then take their defaults).</summary>
    public static IReadOnlyDictionary<string, object?> PsoSettingsOf(SearchConfig config) =>
        config.Methods.FirstOrDefault(m => m.Kind == "pso")?.Settings ?? new Dictionary<string, object?>();

    /// <summary>The budget every search of a run gets unless the config sets one: PSO-Merging's own evaluation count in the paper, (2n+1)·(S+1), with S the first PSO entry's steps.</summary>
    public static int DefaultBudget(SearchConfig config) => (2 * config.Experts.Count + 1) * (Pso(config).Steps + 1);

    /// <summary>The search of <paramref name="method"/> over <paramref name="materializer"/>'s coefficient space.</summary>
    public static ISearch Create(SearchMethodConfig method, SearchConfig config, SwarmMaterializer materializer, int budget)
    {
        var s = method.Settings;
        switch (method.Kind)
        {
            case "pso":
                var pso = Pso(method, config);
                long need = ElementwisePsoSearch.RequiredBytes(materializer.Members.Count, materializer.ParameterCount);
                if (pso.RandomMode == PsoRandomMode.Elementwise && (need > pso.ElementwiseMemoryLimitBytes || materializer.ParameterCount > Array.MaxLength))
                {
                    throw new SearchConfigException($"{method.Name}: r: elementwise keeps {3 * materializer.Members.Count + 1} full copies of the {materializer.ParameterCount:N0} merged parameters, "
                        + $"{need / (double)(1 << 30):F2} GiB, more than memory_limit_gb ({pso.ElementwiseMemoryLimitBytes / (double)(1 << 30):G4}) allows"
                        + (materializer.ParameterCount > Array.MaxLength ? $" and more than one vector can hold ({Array.MaxLength:N0})" : "")
                        + "; use r: scalar (the default) or raise memory_limit_gb.");
                }
                return PsoSearch.Create(materializer, pso, PsoStart(method, materializer.Members));
            case "cma_es":
                Check(s, "cma_es", ["sigma0", "population", .. SelectionKeys]);
                return CmaEsSearch.OverCoefficients(materializer.Space, CmaEs(s, "cma_es", config.Seed));
            case "evo":
                Check(s, "evo", ["sigma0", "population", "merge_method", "layer_slices", .. SelectionKeys]);
                return CmaEsSearch.Evo(EvoSpaceOf(method, config), CmaEs(s, "evo", config.Seed));
            case "model_swarms":
                Check(s, "model_swarms", ["swarm_size", "inertia", "cognitive", "social", "repel", "random_weights", "step_length", "step_decay", "min_step_length",
                    "max_iterations", "patience", "restart", "restart_patience", "starting_velocity", .. SelectionKeys]);
                var official = new ModelSwarmsSettings();
                var swarms = new ModelSwarmsSettings
                {
                    SwarmSize = s.ContainsKey("swarm_size") ? Integer(s, "swarm_size", 0, 1, "model_swarms") : null,
                    Inertia = Number(s, "inertia", official.Inertia, "model_swarms", SettingBound.AtLeast(0)),
                    Cognitive = Number(s, "cognitive", official.Cognitive, "model_swarms", SettingBound.AtLeast(0)),
                    Social = Number(s, "social", official.Social, "model_swarms", SettingBound.AtLeast(0)),
                    Repel = Number(s, "repel", official.Repel, "model_swarms", SettingBound.AtLeast(0)),
                    RandomWeights = Flag(s, "random_weights", official.RandomWeights, "model_swarms"),
                    StepLength = Number(s, "step_length", official.StepLength, "model_swarms", SettingBound.Above(0)),
                    StepDecay = Number(s, "step_decay", official.StepDecay, "model_swarms", new SettingBound(0, 1, LowerOpen: true)),
                    MinimumStepLength = Number(s, "min_step_length", official.MinimumStepLength, "model_swarms", SettingBound.AtLeast(0)),
                    MaxIterations = Integer(s, "max_iterations", official.MaxIterations, 0, "model_swarms"),
                    Patience = Integer(s, "patience", official.Patience, 1, "model_swarms"),
                    RestartStrayParticles = Flag(s, "restart", official.RestartStrayParticles, "model_swarms"),
                    RestartPatience = Number(s, "restart_patience", official.RestartPatience, "model_swarms", SettingBound.Above(0)),
                    StartingVelocity = Text(s, "starting_velocity", "random", "model_swarms") switch
                    {
                        "random" => ModelSwarmsStartingVelocity.Random,
                        "zero" => ModelSwarmsStartingVelocity.Zero,
                        "best" => ModelSwarmsStartingVelocity.Best,
                        string other => throw new SearchConfigException($"model_swarms: unknown starting_velocity '{other}' (random, zero or best)."),
                    },
                    Seed = config.Seed,
                };
                if (!(swarms.Inertia + swarms.Cognitive + swarms.Social + swarms.Repel > 0))
                {
                    throw new SearchConfigException("model_swarms: 'inertia', 'cognitive', 'social' and 'repel' are normalized by their sum, so at least one must be > 0.");
                }
                swarms.Validate();
                return new ModelSwarmsSearch(materializer.Space, swarms);
            case "random":
                Check(s, "random", ["concentration", "include_members", .. SelectionKeys]);
                return new RandomSearch(materializer.Space, new RandomSearchSettings
                {
                    Evaluations = budget,
                    Concentration = Number(s, "concentration", 1, "random", SettingBound.Above(0)),
                    IncludeMembers = Flag(s, "include_members", false, "random"),
                    Seed = config.Seed,
                });
            default:
                throw new SearchConfigException($"Unknown search '{method.Kind}' (use {string.Join(", ", SearchConfigParser.MethodKinds)}).");
        }
    }

    /// <summary>
    /// The share of the optimization split <paramref name="method"/> holds back to select its result on (0: none, the
    /// result is the search's best), and how it selects (<see cref="ResultSelection"/>). A PSO entry takes them from its
    /// preset too; the other searches hold nothing back unless their entry says so.
    /// </summary>
    public static (double HeldOutShare, ResultSelection? Selection) SelectionOf(SearchMethodConfig method)
    {
        var s = method.Kind == "pso" ? PsoSettingsWithPreset(method) : method.Settings;
        double share = Number(s, "holdout", 0, method.Name, new SettingBound(0, 1, UpperOpen: true));
        double floor = Number(s, "task_floor", double.PositiveInfinity, method.Name, SettingBound.AtLeast(0));
        if (share == 0)
        {
            return method.Settings.ContainsKey("task_floor")
                ? throw new SearchConfigException($"{method.Name}: 'task_floor' selects the result on held-back rows, but 'holdout' holds none back.")
                : (0, null);
        }
        return (share, new ResultSelection { TaskFloor = floor });
    }

    /// <summary>The merge-parameter space an <c>evo</c> entry searches.</summary>
    public static EvoSpace EvoSpaceOf(SearchMethodConfig method, SearchConfig config)
    {
        string mergeMethod = Text(method.Settings, "merge_method", "ties", method.Name);
        if (!EvoSpace.Methods.Contains(mergeMethod))
        {
            throw new SearchConfigException($"{method.Name}: 'merge_method' must be one of {string.Join(", ", EvoSpace.Methods)} (the merges with a weight and a density per model), not '{mergeMethod}'.");
        }
        return new(config.BaseModel, config.Experts, mergeMethod, Integer(method.Settings, "layer_slices", 1, 1, method.Name));
    }

    private static SwarmMembers MembersOf(IReadOnlyDictionary<string, object?> s, SearchConfig config, string method) =>
        new(config.BaseModel, config.Experts)
        {
            DropRate = Number(s, "drop_rate", 0.8, method, new SettingBound(0, 1, UpperOpen: true)),
            IncludeSparsified = Flag(s, "sparsified", true, method),
            SparsifySeed = config.Seed,
        };

    private static Granularity GranularityOf(IReadOnlyDictionary<string, object?> s, string method) => Text(s, "granularity", "model", method) switch
    {
        "model" => Space.Granularity.Model,
        "layer" => Space.Granularity.Layer,
        "tensor_kind" => Space.Granularity.TensorKind,
        string other => throw new SearchConfigException($"{method}: unknown granularity '{other}' (model, layer or tensor_kind)."),
    };

    // A PSO entry's settings over its preset's: the preset supplies every setting the entry leaves out.
    private static Dictionary<string, object?> PsoSettingsWithPreset(SearchMethodConfig method)
    {
        var own = method.Settings;
        Check(own, method.Name, PsoKeys);
        string presetName = Text(own, "preset", PsoPresets.DefaultName, method.Name);
        var preset = PsoPresets.Get(presetName) ?? throw new SearchConfigException($"{method.Name}: unknown preset '{presetName}' ({string.Join(" or ", PsoPresets.Names)}).");
        var merged = new Dictionary<string, object?>(preset, StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            merged[key] = value;
        }
        return merged;
    }

    private static CmaEsSettings CmaEs(IReadOnlyDictionary<string, object?> s, string method, ulong seed) => new()
    {
        Sigma0 = Number(s, "sigma0", 1.0 / 6, method, SettingBound.Above(0)),
        PopulationSize = s.ContainsKey("population") ? Integer(s, "population", 0, 2, method) : null, // λ ≥ 2: μ = ⌊λ/2⌋ parents
        Seed = seed,
    };

    private static void Check(IReadOnlyDictionary<string, object?> settings, string method, params IReadOnlyList<string> known)
    {
        var unknown = settings.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
        {
            throw new SearchConfigException($"{method}: unknown setting '{unknown}' (known: {string.Join(", ", known)}).");
        }
    }

    private static double Number(IReadOnlyDictionary<string, object?> s, string key, double fallback, string method, SettingBound bound)
    {
        if (!s.TryGetValue(key, out var value))
        {
            return fallback;
        }
        return value is double number
            ? bound.Contains(number) ? number : throw new SearchConfigException($"{method}: '{key}' must be {bound}, not {Show(number)}.")
            : throw new SearchConfigException($"{method}: '{key}' must be a number, not '{Convert.ToString(value, CultureInfo.InvariantCulture)}'.");
    }

    // An integer setting ≥ minimum (presets give every PSO one, as a number).
    private static int Integer(IReadOnlyDictionary<string, object?> s, string key, int fallback, int minimum, string method)
    {
        double value = Number(s, key, fallback, method, SettingBound.Finite);
        return value == Math.Floor(value) && value >= minimum && value <= int.MaxValue ? (int)value
            : throw new SearchConfigException($"{method}: '{key}' must be an integer ≥ {minimum}, not {Show(value)}.");
    }

    private static IReadOnlyList<double> Numbers(IReadOnlyDictionary<string, object?> s, string key, string method, SettingBound bound) =>
        !s.TryGetValue(key, out var value) ? []
        : value is IReadOnlyList<object?> list && list.All(v => v is double number && bound.Contains(number)) ? list.Cast<double>().ToList()
        : throw new SearchConfigException($"{method}: '{key}' must be a list of numbers ({bound} each), e.g. [0.3, 0.5].");

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static IReadOnlyList<string> Words(IReadOnlyDictionary<string, object?> s, string key, string method) =>
        !s.TryGetValue(key, out var value) ? []
        : value is IReadOnlyList<object?> list && list.All(v => v is string) ? list.Cast<string>().ToList()
        : throw new SearchConfigException($"{method}: '{key}' must be a list of names, e.g. [ties, della].");

    private static bool Flag(IReadOnlyDictionary<string, object?> s, string key, bool fallback, string method) =>
        !s.TryGetValue(key, out var value) ? fallback
        : value is bool flag ? flag
        : throw new SearchConfigException($"{method}: '{key}' must be true or false.");

    private static string Text(IReadOnlyDictionary<string, object?> s, string key, string fallback, string method) =>
        !s.TryGetValue(key, out var value) ? fallback
        : value as string ?? throw new SearchConfigException($"{method}: '{key}' must be a word.");
}
