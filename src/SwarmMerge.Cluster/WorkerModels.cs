using System.Diagnostics;
using SwarmMerge.Evaluation;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Scoring;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Cluster;

/// <summary>
/// What one worker opened once for the life of its process: the base and experts of its search config
/// (memory-mapped), the optimization split, its engine or external evaluator, and the fingerprint of its input
/// files; and the jobs it accepted. It scores one candidate at a time, exactly as a single-process run would.
/// </summary>
public sealed class WorkerModels : IDisposable
{
    private readonly SearchConfig _config;
    private readonly OptimizationTasks _tasks;
    private readonly ICandidateScorer _scorer;
    private readonly string _scratch;
    private readonly Dictionary<string, WorkerJob> _accepted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SwarmMaterializer Materializer, ICandidateSpace Candidates, RunRows Rows, Fitness Fitness)> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _jobsGate = new();
    private readonly Lock _scoring = new();

    private WorkerModels(SearchConfig config, OptimizationTasks tasks, ICandidateScorer scorer, InputFingerprint fingerprint, string scratch)
    {
        _config = config;
        _tasks = tasks;
        _scorer = scorer;
        Fingerprint = fingerprint;
        _scratch = scratch;
    }

    /// <summary>The fingerprint of this worker's input files.</summary>
    public InputFingerprint Fingerprint { get; }

    /// <summary>Engine threads.</summary>
    public int Threads => _config.Threads;

    /// <summary>The worker's name in coordinators' messages (set once its silo has an address).</summary>
    public string Name { get; set; } = $"{Environment.MachineName} pid {Environment.ProcessId}";

    /// <summary>Opens the models and tasks of <paramref name="config"/> and fingerprints every input file.</summary>
    public static WorkerModels Open(SearchConfig config)
    {
        var taskFile = TaskFile.Load(config.Tasks);
        var tasks = taskFile.LoadOptimization();
        var fingerprint = InputFingerprint.Of(config, config.Threads);
        string scratch = Directory.CreateTempSubdirectory("swarmmerge-worker-").FullName;
        try
        {
            return new WorkerModels(config, tasks, RunScoring.OpenScorer(taskFile, config.BaseModel, tasks, Path.Combine(scratch, "candidate"), config.Threads), fingerprint, scratch);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
    }

    /// <summary>Accepts <paramref name="job"/> when its fingerprint equals this worker's; its space opens with its first candidate.</summary>
    /// <remarks>A join must answer at once (the coordinator gives up on a silent worker), so the anchor merges a space needs,
    /// which take as long as a merge, are made on the first <see cref="Evaluate"/>.</remarks>
    public JoinReply Join(WorkerJob job)
    {
        if (Fingerprint.Difference(job.Files) is { } difference)
        {
            return new JoinReply(Name, Threads, $"worker {Name} refuses the job: {difference}.");
        }
        lock (_jobsGate)
        {
            _accepted.TryAdd(job.Id, job);
        }
        return new JoinReply(Name, Threads, null);
    }

    /// <summary>Scores <paramref name="request"/>, after any candidate this worker is scoring.</summary>
    public EvaluationReply Evaluate(EvaluationRequest request)
    {
        WorkerJob? job;
        lock (_jobsGate)
        {
            if (!_accepted.TryGetValue(request.JobId, out job))
            {
                return new EvaluationReply([], [], null, 0, $"worker {Name} has not accepted job {request.JobId}");
            }
        }
        lock (_scoring)
        {
            if (!_jobs.TryGetValue(job.Id, out var space))
            {
                if (OpenSpace(job) is { } refusal)
                {
                    lock (_jobsGate)
                    {
                        _accepted.Remove(job.Id);
                    }
                    return new EvaluationReply([], [], null, 0, refusal);
                }
                space = _jobs[job.Id];
            }
            var candidate = new Candidate(request.Method, request.Step, request.Member, request.Values)
            {
                Vector = request.Vector,
                Threshold = request.Threshold,
                Rows = request.Selection ? ScoringRows.Selection : ScoringRows.Search,
            };
            long start = Stopwatch.GetTimestamp();
            var outcome = RunScoring.Score(_scorer, space.Candidates, candidate, space.Rows, space.Fitness);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return new EvaluationReply([.. outcome.Scores.Keys], [.. outcome.Scores.Values], outcome.Error, seconds, null, outcome.Bounded);
        }
    }

    // Opens the job's space, making its anchor merges here from this worker's inputs with the run's seed; returns why
    // the job is refused when they are not the coordinator's, byte for byte.
    private string? OpenSpace(WorkerJob job)
    {
        var run = _config with { Seed = job.Seed };
        var anchors = job.Anchors.Select((name, i) =>
        {
            string folder = Path.Combine(_scratch, "anchors-" + job.Id, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var parameters = AnchorParameters.FromJson(job.AnchorParameters[i]);
            if (!Directory.Exists(folder))
            {
                using var plan = BaselinePlans.Of(run, job.AnchorMethods[i], parameters);
                Merging.MergeExecutor.Run(plan, folder, new Merging.MergeOptions { Threads = _config.Threads, Seed = job.Seed });
            }
            return new AnchorMember(name, folder) { Method = job.AnchorMethods[i], Parameters = parameters };
        }).ToList();
        if (InputFingerprint.OfAnchors(anchors, _config.Threads).Difference(job.AnchorFiles) is { } difference)
        {
            return $"worker {Name} refuses the job: its anchor merge {difference}";
        }
        var members = new SwarmMembers(_config.BaseModel, _config.Experts)
        {
            DropRate = job.DropRate,
            IncludeSparsified = job.IncludeSparsified,
            SparsifySeed = job.Seed,
            Anchors = anchors,
        };
        var materializer = SwarmMaterializer.Open(members, job.Granularity, _config.Threads);
        // An Evo job's candidates are points of its merge-parameter space; any other job's, of the coefficient space.
        ICandidateSpace candidates = job.EvoMergeMethod is { } method
            ? new EvoSpace(_config.BaseModel, _config.Experts, method, job.EvoLayerSlices) { Threads = _config.Threads }
            : materializer;
        var kind = job.Fitness;
        var fitness = new Fitness(kind, kind == FitnessKind.NormalizedMean ? job.ReferenceTasks.Zip(job.ReferenceScores).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal) : null);
        _jobs[job.Id] = (materializer, candidates, RunRows.Of(_tasks, job.HeldOutShare, job.Seed), fitness);
        return null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (materializer, _, _, _) in _jobs.Values)
        {
            materializer.Dispose();
        }
        _scorer.Dispose();
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }
}
