using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmMerge.Evaluation;
using SwarmMerge.Search;
using SwarmMerge.Search.Runs;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Cluster;

/// <summary>
/// The coordinator's side of a cluster (<c>swarmmerge search --cluster</c>): an Orleans client that finds the
/// workers in the membership table, gives each the run's job (refused by a worker whose input files differ), and
/// spreads every generation over them, one candidate per worker at a time. A worker that leaves the cluster or
/// whose call fails has its candidate sent to another; a worker that joins is used as soon as it is seen. The
/// session logs results in candidate order, so none of this changes the log.
/// </summary>
/// <remarks>
/// When a worker leaves, the candidates in flight on the other workers are sent again too: the client reaches every
/// grain through some silo's gateway, and a reply on its way back through the silo that left is lost without an
/// error (the call would wait out the whole evaluation timeout). The abandoned call's result, if it comes, is ignored;
/// a worker scores the repeated candidate after the one it was busy with, so the cost is one evaluation per worker.
/// </remarks>
/// <param name="cluster">The cluster to connect to.</param>
/// <param name="log">Where workers joining, leaving and refusing are reported.</param>
/// <param name="expectedWorkers">Before the first generation, wait (at most the cluster's worker wait) until this many workers have joined, so that work is spread from the start.</param>
public sealed class ClusterScoring(ClusterConfig cluster, TextWriter log, int expectedWorkers = 1) : IRemoteScoring, IDisposable
{
    private static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(1);

    // A worker answers a join at once (it does not wait for a candidate it is scoring), so a silent one is gone.
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lost = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _evaluations = new(StringComparer.Ordinal);
    private int _departures;
    private (SearchConfig Config, InputFingerprint Files)? _inputs;
    private WorkerJob? _job;
    private IHost? _client;
    private bool _waited;

    /// <summary>Candidates each worker scored, by worker name.</summary>
    public IReadOnlyDictionary<string, int> EvaluationsByWorker => _evaluations;

    /// <summary>Candidates sent again because the worker scoring them was lost.</summary>
    public int Resent { get; private set; }

    /// <inheritdoc />
    public IBatchScorer For(SearchConfig config, SearchMethodConfig method, SwarmMaterializer space, Fitness fitness, double heldOutShare)
    {
        // The inputs are hashed once per run (a full SHA-256 of every model file), not once per search.
        if (_inputs is not { } known || !ReferenceEquals(known.Config, config))
        {
            _inputs = (config, InputFingerprint.Of(config, config.Threads));
        }
        var job = JobOf(config, method, space, fitness, heldOutShare, inputs: _inputs.Value.Files);
        return new Scorer(this, job, method.Kind);
    }

    /// <summary>The job of <paramref name="method"/>, one of <paramref name="config"/>'s searches: the run's input fingerprint, the search's space, its rows and its fitness.</summary>
    public static WorkerJob JobOf(SearchConfig config, SearchMethodConfig method, SwarmMaterializer space, Fitness? fitness = null, double heldOutShare = 0, InputFingerprint? inputs = null)
    {
        fitness ??= new Fitness(FitnessKind.Mean);
        var members = space.Members;
        var evo = method.Kind == SearchKind.Evo ? EvoMethod.SpaceOf(method, config) : null;
        var reference = fitness.Reference ?? new Dictionary<string, double>();
        return new WorkerJob([.. (inputs ?? InputFingerprint.Of(config, config.Threads)).Files], members.DropRate, members.IncludeSparsified, members.SparsifySeed,
            space.Groups.Granularity, [.. members.Anchors.Select(a => a.Name)], [.. InputFingerprint.OfAnchors(members.Anchors, config.Threads).Files],
            evo?.Method, evo?.LayerSlices ?? 0, heldOutShare, fitness.Kind, [.. reference.Keys], [.. reference.Values],
            [.. members.Anchors.Select(a => a.Method)], [.. members.Anchors.Select(a => AnchorParameters.ToJson(a.Parameters))]);
    }

    // Workers score many candidates at once, each against the threshold it was sent with.
    private sealed class Scorer(ClusterScoring owner, WorkerJob job, SearchKind kind) : IBatchScorer
    {
        public void Score(IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation) =>
            owner.ScoreAsync(job, kind, candidates, scored, cancellation).GetAwaiter().GetResult();

        public bool ScoresOneAtATime => false;
    }

    private sealed record Worker(string Key, IEvaluationWorker Grain, string Name, int Threads);

    private async Task ScoreAsync(WorkerJob job, SearchKind kind, IReadOnlyList<Candidate> candidates, Action<int, TimedOutcome> scored, CancellationToken cancellation)
    {
        UseJob(job);
        string jobId = job.Id;
        var client = await ClientAsync(cancellation);
        var queue = new LinkedList<int>(Enumerable.Range(0, candidates.Count));
        var busy = new Dictionary<Worker, (Task<EvaluationReply> Call, int Index)>();
        int left = candidates.Count;
        var refreshed = Stopwatch.StartNew();
        Stopwatch? alone = null;
        await RefreshAsync(client, job, cancellation);
        for (var waiting = Stopwatch.StartNew(); !_waited && _workers.Count < expectedWorkers && waiting.Elapsed < cluster.WorkerWait;)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
            await RefreshAsync(client, job, cancellation);
        }
        _waited = true;
        int departuresSeen = _departures;
        while (left > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            if (refreshed.Elapsed > RefreshPeriod || (busy.Count == 0 && _workers.Count == 0))
            {
                await RefreshAsync(client, job, cancellation);
                refreshed.Restart();
            }
            foreach (var (worker, (call, index)) in busy.Where(b => !_workers.ContainsKey(b.Key.Key) || departuresSeen != _departures).ToList())
            {
                busy.Remove(worker);
                Abandon(call);
                Resend(queue, index, candidates[index], _workers.ContainsKey(worker.Key)
                    ? $"a worker left while worker {worker.Name} was scoring, and the reply may have been routed through it"
                    : $"worker {worker.Name} left the cluster");
            }
            departuresSeen = _departures;
            foreach (var worker in _workers.Values.Where(w => !busy.ContainsKey(w)).ToList())
            {
                if (queue.First is not { } next)
                {
                    break;
                }
                queue.RemoveFirst();
                var candidate = candidates[next.Value];
                busy[worker] = (worker.Grain.Evaluate(new EvaluationRequest(jobId, kind, candidate.Method, candidate.Step, candidate.Member, candidate.Values, candidate.Vector,
                    candidate.Threshold, candidate.Rows == ScoringRows.Selection)), next.Value);
            }
            if (busy.Count == 0)
            {
                alone ??= Stopwatch.StartNew();
                if (alone.Elapsed > cluster.WorkerWait)
                {
                    throw NoWorker();
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
                continue;
            }
            alone = null;
            await Task.WhenAny(busy.Values.Select(b => (Task)b.Call).Append(Task.Delay(RefreshPeriod, cancellation)));
            foreach (var (worker, (call, index)) in busy.Where(b => b.Value.Call.IsCompleted).ToList())
            {
                busy.Remove(worker);
                if (call.IsCompletedSuccessfully && call.Result.Refusal is null)
                {
                    var reply = call.Result;
                    var scores = reply.Tasks.Zip(reply.Scores).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
                    var outcome = reply.Error is not null ? EvaluationOutcome.Failed(reply.Error)
                        : reply.Bounded ? EvaluationOutcome.StoppedEarly(scores)
                        : EvaluationOutcome.Succeeded(scores);
                    _evaluations[worker.Name] = _evaluations.GetValueOrDefault(worker.Name) + 1;
                    left--;
                    scored(index, new TimedOutcome(outcome, reply.Seconds));
                    continue;
                }
                var failure = call.IsCompletedSuccessfully ? null : call.Exception?.InnerException ?? new TimeoutException("the call was cancelled");
                if (failure is not null && !IsClusterFailure(failure))
                {
                    throw new InvalidOperationException($"Worker {worker.Name} failed on candidate ({candidates[index].Method}, step {candidates[index].Step}, member {candidates[index].Member}): {failure.Message}", failure);
                }
                Drop(worker, departed: failure is not null);
                Resend(queue, index, candidates[index], failure is null ? call.Result.Refusal! : $"worker {worker.Name} was lost ({failure.GetType().Name}: {failure.Message})");
            }
        }
    }

    private void Resend(LinkedList<int> queue, int index, Candidate candidate, string why)
    {
        queue.AddFirst(index);
        Resent++;
        log.WriteLine($"cluster: {why}; candidate ({candidate.Method}, step {candidate.Step}, member {candidate.Member}) goes to another worker.");
    }

    // A worker that departed (left the membership, or whose call failed) may have been the gateway of other calls.
    private void Drop(Worker worker, bool departed = true)
    {
        _workers.Remove(worker.Key);
        _lost.Add(worker.Key);
        if (departed)
        {
            _departures++;
        }
    }

    // A call whose result is no longer wanted: its failure, whenever it comes, is observed here and ignored.
    private static void Abandon(Task<EvaluationReply> call) =>
        call.ContinueWith(static c => _ = c.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    // Reads the membership: workers that left are dropped, new ones are given the job.
    private async Task RefreshAsync(IClusterClient client, WorkerJob job, CancellationToken cancellation)
    {
        HashSet<string> active;
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cluster.ProbeTimeout * 2, cancellation);
            active = hosts.Keys.Select(WorkerSilo.KeyOf).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            return; // the membership is unreachable for now: keep the workers we know, whose calls fail on their own if they are gone
        }
        foreach (var gone in _workers.Values.Where(w => !active.Contains(w.Key)).ToList())
        {
            Drop(gone);
            log.WriteLine($"cluster: worker {gone.Name} left the cluster.");
        }
        var joining = active.Where(key => !_workers.ContainsKey(key) && !_refused.ContainsKey(key) && !_lost.Contains(key))
            .Select(async key =>
            {
                var grain = client.GetGrain<IEvaluationWorker>(key);
                try
                {
                    return (key, grain, Reply: await grain.Join(job).WaitAsync(JoinTimeout, cancellation));
                }
                catch (Exception e) when (IsClusterFailure(e))
                {
                    return (key, grain, Reply: (JoinReply?)null);
                }
            });
        foreach (var (key, grain, reply) in await Task.WhenAll(joining))
        {
            if (reply is null)
            {
                _lost.Add(key);
                log.WriteLine($"cluster: the worker at {key} did not answer; it is not used.");
                continue;
            }
            if (reply.Refusal is { } refusal)
            {
                _refused[key] = refusal;
                log.WriteLine($"cluster: {refusal}");
                continue;
            }
            _workers[key] = new Worker(key, grain, reply.Worker, reply.Threads);
            log.WriteLine($"cluster: worker {reply.Worker} joined ({reply.Threads} threads).");
        }
    }

    // A new job (the next search of the run, with its own space) is joined afresh by every worker.
    private void UseJob(WorkerJob job)
    {
        if (_job?.Id != job.Id)
        {
            _job = job;
            _workers.Clear();
            _refused.Clear();
        }
    }

    private async Task<IClusterClient> ClientAsync(CancellationToken cancellation)
    {
        if (_client is null)
        {
            var deadline = Stopwatch.StartNew();
            var host = new HostBuilder().UseOrleansClient(client => ClusterHosting.ConfigureClient(client, cluster, async (_, token) =>
            {
                if (deadline.Elapsed > cluster.WorkerWait)
                {
                    return false;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), token);
                return true;
            })).Build();
            try
            {
                await host.StartAsync(cancellation);
            }
            catch (Exception e) when (IsClusterFailure(e))
            {
                host.Dispose();
                throw new ClusterException($"No SwarmMerge worker of {cluster.Describe()} could be reached within {cluster.WorkerWait.TotalSeconds:0} s ({e.Message}). "
                    + "Start workers with 'swarmmerge worker CONFIG.yml --cluster CLUSTER.yml'.", e);
            }
            _client = host;
        }
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    private ClusterException NoWorker()
    {
        string refusals = _refused.Count == 0 ? "" : " Workers that refused the run: " + string.Join(" ", _refused.Values);
        return new ClusterException($"No usable SwarmMerge worker in {cluster.Describe()} for {cluster.WorkerWait.TotalSeconds:0} s.{refusals} "
            + "Start workers with 'swarmmerge worker CONFIG.yml --cluster CLUSTER.yml' on the same models and tasks.");
    }

    private static bool IsClusterFailure(Exception e) => e is OrleansException or TimeoutException or IOException or SocketException or ObjectDisposedException
        || (e is AggregateException aggregate && aggregate.InnerExceptions.All(IsClusterFailure));

    /// <summary>Disconnects from the cluster.</summary>
    public void Dispose()
    {
        if (_client is { } host)
        {
            try
            {
                host.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            }
            catch (Exception e) when (IsClusterFailure(e) || e is OperationCanceledException)
            {
                // The cluster is gone already; nothing to tell it.
            }
            host.Dispose();
            _client = null;
        }
    }
}
