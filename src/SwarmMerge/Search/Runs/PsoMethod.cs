using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// <c>pso</c>: PSO-Merging. Its entry starts from a preset (<see cref="PsoPresets"/>) and has its own coefficient space
/// (members, granularity, anchors), which the other searches share when it is the config's first PSO entry.
/// </summary>
public sealed class PsoMethod : ISearchMethod
{
    private static readonly string[] Keys =
        ["preset", "steps", "w", "c1", "c2", "r", "initial_velocity", "velocity_clamp", "memory_limit_gb", "start", "lambdas", "anchors", "tuned_anchors", "floor", "floor_penalty", "tied_steps",
         .. SpaceSettings.Keys, .. SearchSettings.SelectionKeys];

    /// <inheritdoc />
    public SearchKind Kind => SearchKind.Pso;

    /// <summary>An entry's own space, from its own (preset) settings, with the <c>anchors</c> it adds as members.</summary>
    public (SwarmMembers Members, Granularity Granularity, IReadOnlyList<AnchorSpec> Anchors) SpaceOf(SearchMethodConfig entry, SearchConfig config)
    {
        var s = WithPreset(entry);
        var anchors = s.Words("anchors");
        foreach (string anchor in anchors)
        {
            if (DataFreeMerges.Get(anchor) is not { Anchor: true })
            {
                throw new SearchConfigException($"{entry.Name}: anchor '{anchor}' is not a merge of the experts' task vectors PSO can use ({string.Join(", ", DataFreeMerges.AnchorNames)}).");
            }
        }
        if (anchors.Distinct().Count() != anchors.Count)
        {
            throw new SearchConfigException($"{entry.Name}: 'anchors' lists a merge twice.");
        }
        bool tuned = s.Flag("tuned_anchors", false);
        return (SpaceSettings.Members(s, config), SpaceSettings.Granularity(s),
            anchors.Select(a => new AnchorSpec(a, tuned && config.TunedBaselines.Any(t => t.Method == a))).ToList());
    }

    /// <summary>A PSO entry takes its selection settings from its preset too.</summary>
    public IReadOnlyDictionary<string, object?> SelectionSettings(SearchMethodConfig entry) => WithPreset(entry).Values;

    /// <inheritdoc />
    public ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget)
    {
        var pso = Settings(entry, config);
        long need = ElementwisePsoSearch.RequiredBytes(space.Members.Count, space.ParameterCount);
        if (pso.RandomMode == PsoRandomMode.Elementwise && (need > pso.ElementwiseMemoryLimitBytes || space.ParameterCount > Array.MaxLength))
        {
            throw new SearchConfigException($"{entry.Name}: r: elementwise keeps {3 * space.Members.Count + 1} full copies of the {space.ParameterCount:N0} merged parameters, "
                + $"{need / (double)(1 << 30):F2} GiB, more than memory_limit_gb ({pso.ElementwiseMemoryLimitBytes / (double)(1 << 30):G4}) allows"
                + (space.ParameterCount > Array.MaxLength ? $" and more than one vector can hold ({Array.MaxLength:N0})" : "")
                + "; use r: scalar (the default) or raise memory_limit_gb.");
        }
        return PsoSearch.Create(space, pso, Start(entry, space.Members));
    }

    /// <summary>
    /// The floor a PSO entry holds each task to (<c>floor</c> points below its score in the best tuned baseline or
    /// expert on the optimization split, each point of shortfall costing <c>floor_penalty</c> fitness points), or null
    /// when the entry (with its preset) sets none (<c>floor: none</c> turns the default preset's off) or, for the
    /// preset's floor, when the run tunes no baseline.
    /// </summary>
    /// <exception cref="SearchConfigException">A setting is out of range, or the entry sets a floor the run has no tuned baseline for.</exception>
    public static (double Points, double Penalty)? FloorSetting(SearchMethodConfig entry, SearchConfig config)
    {
        var s = WithPreset(entry);
        if (!s.Has("floor") || s.Values["floor"] is "none")
        {
            return entry.Settings.ContainsKey("floor_penalty") ? throw new SearchConfigException($"{entry.Name}: 'floor_penalty' prices a 'floor', and the entry sets none.") : null;
        }
        if (s.Values["floor"] is string word)
        {
            throw new SearchConfigException($"{entry.Name}: 'floor' must be a number ≥ 0 or none, not '{word}'.");
        }
        double points = s.Number("floor", 0, SettingBound.AtLeast(0));
        double penalty = s.Number("floor_penalty", 1, SettingBound.AtLeast(0));
        if (config.TunedBaselines.Count == 0)
        {
            return entry.Settings.ContainsKey("floor")
                ? throw new SearchConfigException($"{entry.Name}: 'floor' holds each task to the best tuned baseline's or expert's score, and the run tunes no baseline (tuned_baselines).")
                : null;
        }
        return (points, penalty);
    }

    /// <summary>PSO's settings from the config's first PSO entry.</summary>
    public static PsoSettings Settings(SearchConfig config) =>
        Settings(config.Methods.FirstOrDefault(m => m.Kind == SearchKind.Pso) ?? new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?>()), config);

    /// <summary>PSO's settings from its config entry: its <c>preset</c>'s values (<see cref="PsoPresets"/>) overridden by the entry's own.</summary>
    public static PsoSettings Settings(SearchMethodConfig entry, SearchConfig config)
    {
        var s = WithPreset(entry);
        var settings = new PsoSettings
        {
            Steps = s.Integer("steps", 0, 0),
            Inertia = s.Number("w", double.NaN, SettingBound.AtLeast(0)),
            Cognitive = s.Number("c1", double.NaN, SettingBound.AtLeast(0)),
            Social = s.Number("c2", double.NaN, SettingBound.AtLeast(0)),
            RandomMode = s.Choice("r", "scalar", "scalar, coefficient or elementwise",
                ("scalar", PsoRandomMode.Scalar), ("coefficient", PsoRandomMode.Coefficient), ("elementwise", PsoRandomMode.Elementwise)),
            InitialVelocity = s.Choice("initial_velocity", "zero", "zero or toward_random_particle",
                ("zero", InitialVelocity.Zero), ("toward_random_particle", InitialVelocity.TowardRandomParticle)),
            VelocityClamp = s.Has("velocity_clamp") ? s.Number("velocity_clamp", 0, SettingBound.Above(0)) : null,
            ElementwiseMemoryLimitBytes = (long)(s.Number("memory_limit_gb", 8, new SettingBound(0, 1e9, LowerOpen: true)) * (1L << 30)),
            TiedSteps = s.Integer("tied_steps", 0, 0),
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
    public static IReadOnlyList<double[]>? Start(SearchMethodConfig entry, SwarmMembers members)
    {
        var s = WithPreset(entry);
        if (!s.Choice("start", "members", "members or merges", ("members", false), ("merges", true)))
        {
            return null;
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
        foreach (double lambda in s.Numbers("lambdas", SettingBound.Finite))
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

    // A PSO entry's settings over its preset's: the preset supplies every setting the entry leaves out.
    private static SearchSettings WithPreset(SearchMethodConfig entry)
    {
        var own = new SearchSettings(entry.Settings, entry.Name);
        own.Check(Keys);
        string presetName = own.Text("preset", PsoPresets.DefaultName);
        var preset = PsoPresets.Get(presetName) ?? throw new SearchConfigException($"{entry.Name}: unknown preset '{presetName}' ({string.Join(" or ", PsoPresets.Names)}).");
        var merged = new Dictionary<string, object?>(preset, StringComparer.Ordinal);
        foreach (var (key, value) in entry.Settings)
        {
            merged[key] = value;
        }
        return new SearchSettings(merged, entry.Name);
    }
}
