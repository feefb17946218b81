using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SwarmMerge.Evaluation;

namespace SwarmMerge.Search;

/// <summary>
/// Runs one search against a fitness callback: scores candidates, counts them against the budget, keeps the
/// best, and logs every evaluation. <para>Resume is exact by replay: searches are deterministic given their
/// settings and seed, so resuming a run folder re-runs the search from the start while answering the first
/// evaluations from <c>evaluations.jsonl</c> (checking that each replayed candidate is the one logged, bit for
/// bit) instead of scoring them, then goes on scoring and appending. A run killed at any point, even in the
/// middle of writing a line, ends with exactly the result of an uninterrupted run.</para>
/// </summary>
public sealed class SearchSession
{
    private readonly IBatchScorer _scorer;
    private readonly SearchOptions _options;
    private readonly ScoreCache _cache = new();
    private readonly List<(int Step, double Fitness)> _history = [];
    private IReadOnlyList<EvaluationRecord> _replay = [];
    private EvaluationLog? _log;
    private JsonObject? _description;
    private double _scoringSeconds;
    private bool _started;

    /// <summary>A session that scores candidates with <paramref name="fitness"/>.</summary>
    /// <param name="fitness">Scores one candidate: per-task scores, or a failure (which gets fitness −∞). It must be deterministic for resumed runs to equal uninterrupted ones.</param>
    /// <param name="options">Fitness combination, run folder, budget.</param>
    public SearchSession(Func<Candidate, EvaluationOutcome> fitness, SearchOptions? options = null)
        : this(new SequentialScorer(fitness, options?.Clock), options)
    {
    }

    /// <summary>A session that scores whole generations with <paramref name="scorer"/> (for example on many workers).</summary>
    /// <param name="scorer">Scores candidates; its outcomes must be deterministic for resumed runs to equal uninterrupted ones.</param>
    /// <param name="options">Fitness combination, run folder, budget.</param>
    public SearchSession(IBatchScorer scorer, SearchOptions? options = null)
    {
        _scorer = scorer;
        _options = options ?? new SearchOptions();
        if (_options.MaxEvaluations is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"A budget of {_options.MaxEvaluations} evaluations is too small.");
        }
    }

    /// <summary>Evaluations so far (cache hits and replayed ones included).</summary>
    public int Evaluations { get; private set; }

    /// <summary>Candidates actually scored so far (replayed ones included, cache hits not).</summary>
    public int FitnessCalls { get; private set; }

    /// <summary>Evaluations answered from the log.</summary>
    public int Replayed { get; private set; }

    /// <summary>The best evaluation so far (the first of equals), or null.</summary>
    public ScoredCandidate? Best { get; private set; }

    /// <summary>Evaluations left in the budget, or null when unlimited.</summary>
    public int? Remaining => _options.MaxEvaluations - Evaluations;

    /// <summary>Runs <paramref name="search"/> once with <paramref name="fitness"/>, scoring one candidate at a time.</summary>
    public static SearchResult Run(ISearch search, Func<Candidate, EvaluationOutcome> fitness, SearchOptions? options = null) =>
        new SearchSession(fitness, options).Run(search);

    /// <summary>Runs <paramref name="search"/> once, scoring its generations with <paramref name="scorer"/>.</summary>
    public static SearchResult Run(ISearch search, IBatchScorer scorer, SearchOptions? options = null) =>
        new SearchSession(scorer, options).Run(search);

    /// <summary>Runs <paramref name="search"/> (once per session), resuming the run folder when it holds a log.</summary>
    /// <exception cref="InvalidDataException">The run folder belongs to a different search, or its log does not match this one.</exception>
    public SearchResult Run(ISearch search)
    {
        if (_started)
        {
            throw new InvalidOperationException("A session runs one search.");
        }
        _started = true;
        var clock = Stopwatch.StartNew();
        var description = search.Describe();
        description["max_evaluations"] = _options.MaxEvaluations;
        _description = JsonNode.Parse(description.ToJsonString())!.AsObject();
        string? directory = _options.RunDirectory;
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            if (SearchState.Load(directory) is { } state && WithoutBudget(state.Search) != WithoutBudget(_description))
            {
                throw new InvalidDataException($"Run folder '{directory}' holds a different search ({state.Search.ToJsonString()}); "
                    + $"this one is {_description.ToJsonString()}. Use a new folder, or resume with the same settings.");
            }
            _log = EvaluationLog.OpenForAppend(Path.Combine(directory, EvaluationLog.FileName));
            _replay = _log.Records;
        }
        try
        {
            string stoppedBy;
            try
            {
                stoppedBy = search.Execute(this);
            }
            catch (BudgetSpentException)
            {
                stoppedBy = "budget";
            }
            if (Evaluations < _replay.Count)
            {
                throw new InvalidDataException($"The log holds {_replay.Count} evaluations but this search stopped after {Evaluations}: it is not the run that wrote the log.");
            }
            SaveState(completed: true, stoppedBy);
            return new SearchResult(search.Name, Best, Evaluations, FitnessCalls, Replayed, stoppedBy, clock.Elapsed.TotalSeconds, _scoringSeconds, BestByStep());
        }
        finally
        {
            _log?.Dispose();
        }
    }

    /// <summary>Scores <paramref name="candidate"/> (or answers it from the log or the cache), logs it, and returns the result.</summary>
    /// <remarks>When the budget is spent this ends the search: the session catches what it throws.</remarks>
    public ScoredCandidate Evaluate(Candidate candidate) => EvaluateAll([candidate])[0];

    /// <summary>
    /// Scores a whole generation at once (the scorer may score its candidates in parallel), answering what it can
    /// from the log or the cache, and logs the results in candidate order. A candidate identical to an earlier one
    /// of the same generation is answered from the cache, as it would be one at a time.
    /// </summary>
    /// <returns>The scored candidates, in order.</returns>
    /// <remarks>When the budget runs out within <paramref name="candidates"/>, the ones it still covers are scored
    /// and logged, then the search ends: the session catches what this throws.</remarks>
    public IReadOnlyList<ScoredCandidate> EvaluateAll(IReadOnlyList<Candidate> candidates)
    {
        if (!_started)
        {
            throw new InvalidOperationException("EvaluateAll runs inside SearchSession.Run.");
        }
        _options.Cancellation.ThrowIfCancellationRequested();
        if (Remaining <= 0)
        {
            throw new BudgetSpentException();
        }
        int take = Remaining is int left ? Math.Min(left, candidates.Count) : candidates.Count;
        var pending = new Pending[take];
        var toScore = new List<int>();
        var firstInBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < take; i++)
        {
            var candidate = candidates[i];
            string? vectorHash = candidate.Vector is { } vector
                ? Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                : null;
            string key = ScoreCache.KeyOf($"{candidate.Method}|{vectorHash}", candidate.Values);
            int sequence = Evaluations + i;
            pending[i] = new Pending(candidate, vectorHash, key);
            if (sequence < _replay.Count)
            {
                CheckReplay(_replay[sequence], candidate, vectorHash);
                pending[i].Replayed = _replay[sequence];
                firstInBatch.TryAdd(key, i);
            }
            else if (_options.ReuseScores && (_cache.Contains(key) || firstInBatch.ContainsKey(key)))
            {
                pending[i].Cached = true;
            }
            else
            {
                firstInBatch.TryAdd(key, i);
                toScore.Add(i);
            }
        }

        // Results come back in any order; each is taken in, in candidate order, as soon as all before it are known.
        var results = new ScoredCandidate[take];
        int done = 0;
        var gate = new object();
        void Flush()
        {
            while (done < take && pending[done].IsKnown(_cache))
            {
                results[done] = Take(pending[done]);
                done++;
            }
        }
        lock (gate)
        {
            Flush();
        }
        if (toScore.Count > 0)
        {
            _scorer.Score(toScore.Select(i => pending[i].Candidate).ToList(), (index, timed) =>
            {
                lock (gate)
                {
                    var entry = pending[toScore[index]];
                    if (entry.Scored is not null)
                    {
                        throw new InvalidOperationException($"The scorer reported candidate {index} of the generation twice.");
                    }
                    entry.Scored = timed;
                    Flush();
                }
            }, _options.Cancellation);
        }
        if (done < take)
        {
            throw new InvalidOperationException($"The scorer returned without scoring candidate {done} of the generation ({pending[done].Candidate.Method}, step {pending[done].Candidate.Step}, member {pending[done].Candidate.Member}).");
        }
        if (take < candidates.Count)
        {
            throw new BudgetSpentException();
        }
        return results;
    }

    // One candidate of a generation: logged (replayed), a cache hit, or waiting for the scorer.
    private sealed class Pending(Candidate candidate, string? vectorHash, string key)
    {
        public Candidate Candidate { get; } = candidate;

        public string? VectorHash { get; } = vectorHash;

        public string Key { get; } = key;

        public EvaluationRecord? Replayed { get; set; }

        public bool Cached { get; set; }

        public TimedOutcome? Scored { get; set; }

        // A cache hit is known once the candidate it repeats is taken in (which puts it in the cache).
        public bool IsKnown(ScoreCache cache) => Replayed is not null || Scored is not null || (Cached && cache.Contains(Key));
    }

    // Takes in one candidate whose result is known: logs it, caches it, updates the best and the state.
    private ScoredCandidate Take(Pending entry)
    {
        var candidate = entry.Candidate;
        int sequence = Evaluations;
        EvaluationRecord record;
        if (entry.Replayed is { } replayed)
        {
            record = replayed;
            Replayed++;
        }
        else if (entry.Cached && _cache.TryGet(entry.Key, out var known))
        {
            record = NewRecord(sequence, candidate, entry.VectorHash, known!, cached: true, seconds: 0);
            _log?.Append(record);
        }
        else
        {
            var scored = entry.Scored!;
            record = NewRecord(sequence, candidate, entry.VectorHash, scored.Outcome, cached: false, scored.Seconds);
            _log?.Append(record);
        }

        var result = record.Error is null ? EvaluationOutcome.Succeeded(record.Scores) : EvaluationOutcome.Failed(record.Error);
        if (!record.Cached)
        {
            FitnessCalls++;
            _cache.Add(entry.Key, result);
        }
        Evaluations++;
        _scoringSeconds += record.Seconds;
        var evaluation = new ScoredCandidate(candidate, result, record.Fitness ?? double.NegativeInfinity, record);
        if (evaluation.Fitness > (Best?.Fitness ?? double.NegativeInfinity))
        {
            Best = evaluation;
        }
        _history.Add((candidate.Step, evaluation.Fitness));
        if (sequence >= _replay.Count)
        {
            SaveState(completed: false, null);
        }
        _options.Progress?.Report(evaluation);
        return evaluation;
    }

    // The budget may change on resume (a larger one continues the run; a smaller one fails on the longer log).
    private static string WithoutBudget(JsonObject description)
    {
        var copy = description.DeepClone().AsObject();
        copy.Remove("max_evaluations");
        return copy.ToJsonString();
    }

    private EvaluationRecord NewRecord(int sequence, Candidate candidate, string? vectorHash, EvaluationOutcome outcome, bool cached, double seconds) =>
        new(sequence, candidate.Method, candidate.Step, candidate.Member, candidate.Values, vectorHash, outcome.Scores,
            outcome.Success ? _options.Fitness.Of(outcome.Scores) : null, outcome.Error, cached, seconds);

    private static void CheckReplay(EvaluationRecord record, Candidate candidate, string? vectorHash)
    {
        if (record.Method != candidate.Method || record.Step != candidate.Step || record.Member != candidate.Member
            || !record.Values.AsSpan().SequenceEqual(candidate.Values) || record.VectorSha256 != vectorHash)
        {
            throw new InvalidDataException($"Logged evaluation {record.Sequence} ({record.Method}, step {record.Step}, member {record.Member}) "
                + $"is not the candidate this search makes there ({candidate.Method}, step {candidate.Step}, member {candidate.Member}): "
                + "the log was written by a different search, seed or version, and cannot be resumed.");
        }
    }

    private void SaveState(bool completed, string? stoppedBy)
    {
        if (_options.RunDirectory is { } directory)
        {
            new SearchState(_description!, Evaluations, FitnessCalls, completed, stoppedBy, Best?.Record.Sequence, Best?.Fitness).Save(directory);
        }
    }

    private List<double> BestByStep()
    {
        var best = new List<double>();
        double running = double.NegativeInfinity;
        foreach (var (step, fitness) in _history)
        {
            while (best.Count <= step)
            {
                best.Add(running);
            }
            running = Math.Max(running, fitness);
            best[step] = running;
        }
        return best;
    }

    /// <summary>Thrown by <see cref="Evaluate"/> when the budget is spent; <see cref="Run(ISearch)"/> ends the search on it.</summary>
    private sealed class BudgetSpentException : Exception;
}
