using SwarmMerge.Evaluation;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Tests.Search;

/// <summary>PSO's starting particles, tied steps, anchor members and presets.</summary>
public sealed class PsoStartAndAnchorTests
{
    private static List<EvaluationRecord> Records(ISearch search, Func<Candidate, EvaluationOutcome> fitness)
    {
        var records = new List<EvaluationRecord>();
        var options = SearchTestKit.Options() with { Progress = new PsoSearchTests.SynchronousProgress<ScoredCandidate>(e => records.Add(e.Record)) };
        SearchSession.Run(search, fitness, options);
        return records;
    }

    [Fact]
    public void Particles_start_at_the_given_member_weights_in_every_group()
    {
        var space = new CoefficientSpace(memberCount: 4, groupCount: 3);
        double[][] start = [[0.5, 0.5, 0, 0], [-1.8, 0.7, 0.7, 1.4], [0, 0, 0, 1]];
        var records = Records(new PsoSearch(space, new PsoSettings { Steps = 2, Seed = 1 }, start), SearchTestKit.Quadratic(new double[12]));
        Assert.Equal(9, records.Count);
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal([.. start[p], .. start[p], .. start[p]], records[p].Values);
        }
        Assert.True(SearchTestKit.WorstAffineError(space, records) < 1e-12);
    }

    [Fact]
    public void A_starting_particle_that_is_not_an_affine_combination_is_refused()
    {
        var space = new CoefficientSpace(3, 1);
        var error = Assert.Throws<ArgumentException>(() => new PsoSearch(space, new PsoSettings(), [[0.5, 0.4, 0]]));
        Assert.Contains("summing to 1", error.Message);
    }

    [Fact]
    public void Tied_steps_move_every_group_alike_and_later_steps_move_groups_apart()
    {
        var space = new CoefficientSpace(memberCount: 5, groupCount: 3);
        // A different optimum per group, so untied groups have reasons to part.
        var optimum = Enumerable.Range(0, 15).Select(j => j % 5 == 0 ? 0.2 + j / 50.0 : 0.2 - j / 200.0).ToArray();
        var records = Records(new PsoSearch(space, new PsoSettings { Steps = 4, TiedSteps = 2, Seed = 3, InitialVelocity = InitialVelocity.TowardRandomParticle }),
            SearchTestKit.Quadratic(optimum));
        bool Tied(EvaluationRecord r) => r.Values.AsSpan(0, 5).SequenceEqual(r.Values.AsSpan(5, 5)) && r.Values.AsSpan(0, 5).SequenceEqual(r.Values.AsSpan(10, 5));
        Assert.All(records.Where(r => r.Step <= 2), r => Assert.True(Tied(r), $"step {r.Step} member {r.Member}"));
        Assert.Contains(records.Where(r => r.Step > 2), r => !Tied(r));
    }

    [Fact]
    public void R_per_coefficient_moves_each_task_vector_weight_on_its_own_and_keeps_particles_affine()
    {
        var space = new CoefficientSpace(memberCount: 5, groupCount: 2);
        double[] optimum = [-1.4, 0.9, 0.2, 0.6, 0.7, -0.8, 0.3, 0.5, 0.4, 0.6];
        var records = Records(new PsoSearch(space, new PsoSettings { Steps = 6, Seed = 2, RandomMode = PsoRandomMode.Coefficient }), SearchTestKit.Quadratic(optimum));
        Assert.True(SearchTestKit.WorstAffineError(space, records) < 1e-12);
        // Scalar r moves a particle along (gbest − x) only: its step-1 move is parallel to gbest − x. Per
        // coefficient, the task-vector weights move by different fractions of their distances.
        var first = records.Where(r => r.Step == 0).ToList();
        var leader = first.MaxBy(r => r.Fitness!.Value)!;
        var moved = records.Where(r => r.Step == 1 && r.Member != leader.Member).ToList();
        Assert.Contains(moved, r =>
        {
            var from = first[r.Member].Values;
            var ratios = Enumerable.Range(1, 4).Where(j => Math.Abs(leader.Values[j] - from[j]) > 1e-9)
                .Select(j => (r.Values[j] - from[j]) / (leader.Values[j] - from[j])).ToList();
            return ratios.Max() - ratios.Min() > 1e-3;
        });
    }

    [Fact]
    public void An_anchor_member_materializes_as_its_checkpoint_and_mixes_linearly_with_the_others()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2, heads: false);
        // Any checkpoint of the same tensors serves as an anchor: a third perturbed copy of the same base here.
        using var other = new TestModels.TempFolder();
        var third = SearchTestKit.WriteSwarm(other, experts: 3, heads: false).Experts[2];
        members = members with { Anchors = [new AnchorMember("third", third)] };
        using var materializer = SwarmMaterializer.Open(members, Granularity.Model, threads: 2);
        Assert.Equal(6, materializer.Space.MemberCount);
        Assert.Equal(["base", "expert1", "expert2", "sparse1", "sparse2", "third"], members.Names);

        using var anchor = Checkpoint.Open(third);
        using var baseModel = Checkpoint.Open(members.BaseModel);
        using var expert1 = Checkpoint.Open(members.Experts[0]);
        double[] mix = [0.2, 0.5, 0, 0, 0, 0.3];
        foreach (var tensor in materializer.Tensors)
        {
            var corner = new float[tensor.ElementCount];
            materializer.MaterializeTensor(tensor.Name, materializer.Space.Corner(5), corner);
            var expected = TestModels.ReadFloats(anchor, tensor.Name);
            for (int j = 0; j < corner.Length; j++)
            {
                Assert.Equal(expected[j], corner[j], 1e-6f);
            }

            var mixed = new float[tensor.ElementCount];
            materializer.MaterializeTensor(tensor.Name, mix, mixed);
            var b = TestModels.ReadFloats(baseModel, tensor.Name);
            var e = TestModels.ReadFloats(expert1, tensor.Name);
            for (int j = 0; j < mixed.Length; j++)
            {
                double direct = b[j] + 0.5 * (e[j] - b[j]) + 0.3 * (expected[j] - b[j]);
                Assert.Equal(direct, mixed[j], 1e-5);
            }
        }
    }

    private static SearchConfig Config(SwarmMembers members, params SearchMethodConfig[] methods) => new()
    {
        BaseModel = members.BaseModel,
        Experts = members.Experts,
        Tasks = "unused.yml",
        Methods = methods,
        Seed = 7,
    };

    [Fact]
    public void The_paper_preset_is_the_papers_algorithm()
    {
        var members = new SwarmMembers("base", ["a", "b", "c"]);
        var paper = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["preset"] = "paper" });
        var config = Config(members, paper);
        var settings = PsoMethod.Settings(paper, config);
        Assert.Equal((5, 0.2, 2.0, 2.0, 0), (settings.Steps, settings.Inertia, settings.Cognitive, settings.Social, settings.TiedSteps));
        Assert.Equal(InitialVelocity.Zero, settings.InitialVelocity);
        var (space, granularity, anchors) = SearchMethods.SpaceOf(paper, config);
        Assert.Equal((0.8, true, Granularity.Model), (space.DropRate, space.IncludeSparsified, granularity));
        Assert.Empty(anchors);
        Assert.Null(PsoMethod.Start(paper, space));
        Assert.Equal(7 * 6, SearchMethods.DefaultBudget(config));
    }

    [Fact]
    public void A_presets_values_give_way_to_the_entrys_own()
    {
        var members = new SwarmMembers("base", ["a", "b"]);
        var entry = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["preset"] = "paper", ["w"] = 0.5, ["steps"] = 9.0 });
        var settings = PsoMethod.Settings(entry, Config(members, entry));
        Assert.Equal((9, 0.5, 2.0), (settings.Steps, settings.Inertia, settings.Cognitive));
        var bad = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["preset"] = "fast" });
        Assert.Contains("unknown preset 'fast'", Assert.Throws<SearchConfigException>(() => PsoMethod.Settings(bad, Config(members, bad))).Message);
        var fraction = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["steps"] = 2.5 });
        Assert.Contains("'steps' must be an integer ≥ 0, not 2.5", Assert.Throws<SearchConfigException>(() => PsoMethod.Settings(fraction, Config(members, fraction))).Message);
    }

    [Fact]
    public void Task_arithmetic_starting_points_materialize_as_the_task_arithmetic_merge()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 3, heads: false);
        var entry = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["anchors"] = new List<object?>(), ["lambdas"] = new List<object?> { 0.7 } });
        var start = PsoMethod.Start(entry, members)!;
        // Experts, then task arithmetic λ = 0.7 (no anchors here).
        Assert.Equal(4, start.Count);
        Assert.Equal([1 - 3 * 0.7, 0.7, 0.7, 0.7, 0, 0, 0], start[3]);

        var config = new MergeConfig("task_arithmetic", members.BaseModel,
            members.Experts.Select(e => new ModelEntry(e, new Dictionary<string, ParameterSetting> { ["weight"] = new ScalarSetting(1.0) })).ToList(),
            new Dictionary<string, ParameterSetting> { ["lambda"] = new ScalarSetting(0.7) }, "float32", null, null);
        string merged = Path.Combine(folder.Path, "ta");
        using (var plan = MergePlanner.Create(config, folder.Path))
        {
            MergeExecutor.Run(plan, merged, new MergeOptions());
        }
        using var reference = Checkpoint.Open(merged);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Model, threads: 1);
        foreach (var tensor in materializer.Tensors)
        {
            var values = new float[tensor.ElementCount];
            materializer.MaterializeTensor(tensor.Name, start[3], values);
            var expected = TestModels.ReadFloats(reference, tensor.Name);
            for (int j = 0; j < values.Length; j++)
            {
                Assert.Equal(expected[j], values[j], 2e-6f * (1 + Math.Abs(expected[j])));
            }
        }
    }

    [Fact]
    public void The_default_preset_starts_at_the_experts_the_anchors_and_task_arithmetic()
    {
        var members = new SwarmMembers("base", ["a", "b", "c", "d"]);
        var entry = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?>());
        var (space, _, anchors) = SearchMethods.SpaceOf(entry, Config(members, entry));
        Assert.Equal(PsoPresets.Default["anchors"], anchors.Select(a => (object?)a.Method).ToList());
        var withAnchors = space with { Anchors = anchors.Select(a => new AnchorMember(a.Name, a.Method)).ToList() };
        var start = PsoMethod.Start(entry, withAnchors)!;
        var lambdas = ((List<object?>)PsoPresets.Default["lambdas"]!).Cast<double>().ToList();
        Assert.Equal(4 + anchors.Count + lambdas.Count, start.Count);
        Assert.All(start, w => Assert.Equal(1, w.Sum(), 12));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1, start[i][1 + i]);
        }
        for (int a = 0; a < anchors.Count; a++)
        {
            Assert.Equal(1, start[4 + a][withAnchors.FirstAnchor + a]);
        }
    }

    [Fact]
    public void Anchors_must_be_merges_of_task_vectors_and_listed_once()
    {
        var members = new SwarmMembers("base", ["a"]);
        foreach (var (anchors, message) in new[] { (new List<object?> { "slerp" }, "anchor 'slerp'"), (new List<object?> { "ties", "ties" }, "twice"), (new List<object?> { 3.0 }, "list of names") })
        {
            var entry = new SearchMethodConfig(SearchKind.Pso, new Dictionary<string, object?> { ["anchors"] = anchors });
            Assert.Contains(message, Assert.Throws<SearchConfigException>(() => SearchMethods.SpaceOf(entry, Config(members, entry))).Message);
        }
    }
    [Fact]
    public void The_default_preset_tunes_its_anchors_and_floors_its_tasks_when_the_run_tunes_baselines()
    {
        var members = new SwarmMembers("base", ["a", "b"]);
        SearchMethodConfig Pso(Dictionary<string, object?> settings) => new(SearchKind.Pso, settings);
        var tuning = Config(members, Pso([])) with
        {
            TunedBaselines = [("ties", new Dictionary<string, object?> { ["density"] = new List<object?> { 0.3, 0.5 } })],
        };
        var entry = Pso([]);
        // Only the tuned method's anchor is tuned; without tuned baselines none is.
        Assert.Equal([new AnchorSpec("ties", true), new AnchorSpec("dare_ties"), new AnchorSpec("della")], SearchMethods.SpaceOf(entry, tuning with { Methods = [entry] }).Anchors);
        Assert.All(SearchMethods.SpaceOf(entry, Config(members, entry)).Anchors, a => Assert.False(a.Tuned));
        Assert.Equal("ties (tuned)", new AnchorSpec("ties", true).Name);
        Assert.Equal("ties-tuned", new AnchorSpec("ties", true).FolderName);

        Assert.Equal((2.0, 1.0), PsoMethod.FloorSetting(entry, tuning));
        Assert.Null(PsoMethod.FloorSetting(entry, Config(members, entry)));
        Assert.Null(PsoMethod.FloorSetting(Pso(new() { ["floor"] = "none" }), tuning));
        Assert.Null(PsoMethod.FloorSetting(Pso(new() { ["preset"] = "paper" }), tuning));
        Assert.Equal((0.0, 4.0), PsoMethod.FloorSetting(Pso(new() { ["floor"] = 0.0, ["floor_penalty"] = 4.0 }), tuning));
        foreach (var (settings, config, message) in new (Dictionary<string, object?>, SearchConfig, string)[]
        {
            (new() { ["floor"] = 3.0 }, Config(members, entry), "the run tunes no baseline (tuned_baselines)"),
            (new() { ["floor"] = "low" }, tuning, "'floor' must be a number ≥ 0 or none, not 'low'"),
            (new() { ["floor"] = -1.0 }, tuning, "'floor' must be"),
            (new() { ["floor"] = "none", ["floor_penalty"] = 2.0 }, tuning, "'floor_penalty' prices a 'floor'"),
        })
        {
            Assert.Contains(message, Assert.Throws<SearchConfigException>(() => PsoMethod.FloorSetting(Pso(settings), config)).Message);
        }
    }
}
