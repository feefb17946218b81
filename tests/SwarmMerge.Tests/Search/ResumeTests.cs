using System.Text.Json;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class ResumeTests
{
    private static readonly CoefficientSpace Space = new(memberCount: 5, groupCount: 2);
    private static readonly double[] Optimum = [-0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.3, 0.1, 0.2, 0.1];

    public static TheoryData<SearchKind> Kinds => [SearchKind.Pso, SearchKind.ModelSwarms, SearchKind.CmaEs, SearchKind.Random];

    private static ISearch Create(SearchKind kind, ulong seed = 9) => kind switch
    {
        SearchKind.Pso => new PsoSearch(Space, new PsoSettings { Steps = 6, Seed = seed }),
        SearchKind.ModelSwarms => new ModelSwarmsSearch(Space, new ModelSwarmsSettings { MaxIterations = 6, SwarmSize = 7, Seed = seed }),
        SearchKind.CmaEs => CmaEsSearch.OverCoefficients(Space, new CmaEsSettings { MaxGenerations = 5, Seed = seed }),
        _ => new RandomSearch(Space, new RandomSearchSettings { Evaluations = 25, IncludeMembers = true, Seed = seed }),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_run_killed_at_any_point_resumes_to_exactly_the_uninterrupted_run(SearchKind kind)
    {
        using var folder = new TestModels.TempFolder();
        var full = SearchSession.Run(Create(kind), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder["full"]));
        byte[] log = File.ReadAllBytes(Path.Combine(folder["full"], EvaluationLog.FileName));
        var ends = Enumerable.Range(0, log.Length).Where(i => log[i] == '\n').Select(i => i + 1).ToList();
        Assert.Equal(full.Evaluations, ends.Count);

        // Cuts: nothing, a torn first line, after one line, a torn line in the middle, after half, a torn last line, everything.
        int[] cuts = [0, ends[0] / 2, ends[0], ends[2] + 5, ends[ends.Count / 2], ends[^1] - 3, ends[^1]];
        for (int k = 0; k < cuts.Length; k++)
        {
            string run = folder[$"cut{k}"];
            Directory.CreateDirectory(run);
            File.WriteAllBytes(Path.Combine(run, EvaluationLog.FileName), log[..cuts[k]]);
            if (k % 2 == 1)
            {
                File.Copy(Path.Combine(folder["full"], SearchState.FileName), Path.Combine(run, SearchState.FileName));
            }
            int complete = ends.Count(e => e <= cuts[k]);
            int calls = 0;
            var resumed = SearchSession.Run(Create(kind), SearchTestKit.Quadratic(Optimum, () => calls++), SearchTestKit.Options(run));

            Assert.Equal(log, File.ReadAllBytes(Path.Combine(run, EvaluationLog.FileName)));
            Assert.Equal(Json(full.Best!.Record), Json(resumed.Best!.Record));
            Assert.Equal(full.Evaluations, resumed.Evaluations);
            Assert.Equal(full.FitnessCalls, resumed.FitnessCalls);
            Assert.Equal(full.BestByStep, resumed.BestByStep);
            Assert.Equal(full.StoppedBy, resumed.StoppedBy);
            Assert.Equal(complete, resumed.Replayed);
            var logged = EvaluationLog.Read(Path.Combine(folder["full"], EvaluationLog.FileName));
            Assert.Equal(logged.Skip(complete).Count(r => !r.Cached), calls);
            Assert.True(SearchState.Load(run)!.Completed);
        }
    }

    [Fact]
    public void A_run_stopped_by_its_budget_continues_with_a_larger_one_as_if_never_stopped()
    {
        using var folder = new TestModels.TempFolder();
        var full = SearchSession.Run(Create(SearchKind.Pso), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder["full"]));
        var partial = SearchSession.Run(Create(SearchKind.Pso), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder["run"], maxEvaluations: 13));
        Assert.Equal("budget", partial.StoppedBy);
        var continued = SearchSession.Run(Create(SearchKind.Pso), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder["run"]));
        Assert.Equal(13, continued.Replayed);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder["full"], EvaluationLog.FileName)), File.ReadAllBytes(Path.Combine(folder["run"], EvaluationLog.FileName)));
        Assert.Equal(Json(full.Best!.Record), Json(continued.Best!.Record));
    }

    [Fact]
    public void A_run_folder_refuses_a_different_search()
    {
        using var folder = new TestModels.TempFolder();
        SearchSession.Run(Create(SearchKind.Pso), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder.Path));
        var error = Assert.Throws<InvalidDataException>(() =>
            SearchSession.Run(Create(SearchKind.Pso, seed: 10), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder.Path)));
        Assert.Contains("different search", error.Message);
    }

    [Fact]
    public void A_log_that_another_search_wrote_is_not_replayed()
    {
        using var folder = new TestModels.TempFolder();
        SearchSession.Run(Create(SearchKind.Random), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder.Path));
        File.Delete(Path.Combine(folder.Path, SearchState.FileName));
        var error = Assert.Throws<InvalidDataException>(() =>
            SearchSession.Run(Create(SearchKind.Random, seed: 10), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder.Path)));
        Assert.Contains("cannot be resumed", error.Message);
    }

    [Fact]
    public void Reading_a_log_ignores_a_torn_last_line_but_not_a_broken_middle_one()
    {
        using var folder = new TestModels.TempFolder();
        SearchSession.Run(Create(SearchKind.Random), SearchTestKit.Quadratic(Optimum), SearchTestKit.Options(folder.Path));
        string path = Path.Combine(folder.Path, EvaluationLog.FileName);
        var lines = File.ReadAllLines(path);
        File.WriteAllText(path, string.Join('\n', lines.Take(3)) + "\n" + lines[3][..10]);
        Assert.Equal(3, EvaluationLog.Read(path).Count);
        File.WriteAllText(path, lines[0] + "\n" + lines[1][..10] + "\n" + lines[2] + "\n");
        Assert.Throws<InvalidDataException>(() => EvaluationLog.Read(path));
    }

    private static string Json(EvaluationRecord record) => JsonSerializer.Serialize(record, EvaluationLog.JsonOptions);
}
