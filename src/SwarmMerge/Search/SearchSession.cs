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
    private int _stoppedEarly;
    private ScoredCandidate? _startBest;
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
        if (_options.MaxEvaluations is int budget && budget < 1 + SelectionReserve)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"A budget of {budget} evaluations is too small"
                + (SelectionReserve > 0 ? $": selecting the result on held-back rows takes {SelectionReserve} of them." : "."));
        }
    }

    /// <summary>Evaluations so far (cache hits and replayed ones included).</summary>
    public int Evaluations { get; private set; }

    /// <summary>Candidates actually scored so far (replayed ones included, cache hits not).</summary>
    public int FitnessCalls { get; private set; }

    /// <summary>Evaluations answered from the log.</summary>
    public int Replayed { get; private set; }

    /// <summary>True when candidates are scored one after another (see <see cref="IBatchScorer.ScoresOneAtATime"/>).</summary>
    public bool ScoresOneAtATime => _scorer.ScoresOneAtATime;

    /// <summary>The best evaluation so far (the first of equals), or null.</summary>
    public ScoredCandidate? Best { get; private set; }

    /// <summary>Evaluations left in the search's budget (the budget less what selecting the result needs), or null when unlimited.</summary>
    public int? Remaining => _options.MaxEvaluations - SelectionReserve - Evaluations;

    /// <summary>How the result was selected on the held-back rows, or null without <see cref="SearchOptions.Selection"/>.</summary>
    public SelectionReport? Selection { get; private set; }

    // Selecting the result scores two candidates (the incumbent and the search's best) on the held-back rows.
    private int SelectionReserve => _options.Selection is null ? 0 : ResultSelection.Evaluations;

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
            var searchBest = Best;
            if (_options.Selection is { } selection && Best is not null)
            {
                Selection = Select(selection, Best);
                Best = Selection.Chosen;
            }
            if (Evaluations < _replay.Count)
            {
                throw new InvalidDataException($"The log holds {_replay.Count} evaluations but this search stopped after {Evaluations}: it is not the run that wrote the log.");
            }
            SaveState(completed: true, stoppedBy);
            return new SearchResult(search.Name, Best, Evaluations, FitnessCalls, Replayed, stoppedBy, clock.Elapsed.TotalSeconds, _scoringSeconds, BestByStep())
            {
                SearchBest = searchBest,
                Selection = Selection,
                StoppedEarly = _stoppedEarly,
            };
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
        if (candidates.Any(c => c.Rows != ScoringRows.Search))
        {
            throw new ArgumentException("A search scores its candidates on the search rows; the session alone scores the held-back rows.", nameof(candidates));
        }
        return EvaluateBatch(candidates, Remaining);
    }

    private IReadOnlyList<ScoredCandidate> EvaluateBatch(IReadOnlyList<Candidate> candidates, int? remaining)
    {
        _options.Cancellation.ThrowIfCancellationRequested();
        if (remaining <= 0)
        {
            throw new BudgetSpentException();
        }
        int take = remaining is int left ? Math.Min(left, candidates.Count) : candidates.Count;
        var pending = new Pending[take];
        var toScore = new List<int>();
        // A candidate that could beat the best so far is always scored in full; without early stopping, every one is.
        double best = Best?.Fitness ?? double.NegativeInfinity;
        double? ThresholdOf(Candidate c) => _options.EarlyStopping && c.Threshold is double t && double.IsFinite(t) && best > double.NegativeInfinity ? Math.Min(t, best) : null;
        // Copies of one candidate in a generation are answered by the first: it must settle the lowest of their thresholds.
        var firstOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < take; i++)
        {
            var candidate = candidates[i];
            string? vectorHash = candidate.Vector is { } vector
                ? Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                : null;
            string key = ScoreCache.KeyOf($"{candidate.Method}|{vectorHash}|{candidate.Rows}", candidate.Values);
            pending[i] = new Pending(candidate with { Threshold = ThresholdOf(candidate) }, vectorHash, key);
            if (firstOf.TryGetValue(key, out int first))
            {
                pending[i].First = first;
                pending[first].GroupThreshold = Lowest(pending[first].GroupThreshold, pending[i].Candidate.Threshold);
            }
            else
            {
                firstOf[key] = i;
                pending[i].GroupThreshold = pending[i].Candidate.Threshold;
            }
        }
        for (int i = 0; i < take; i++)
        {
            var entry = pending[i];
            int sequence = Evaluations + i;
            if (sequence < _replay.Count)
            {
                var record = _replay[sequence];
                CheckReplay(record, entry.Candidate, entry.VectorHash);
                entry.Replayed = record;
            }
            else if (_options.ReuseScores && (entry.First is not null || (_cache.TryGet(entry.Key, out var known) && Answers(known!, entry.GroupThreshold))))
            {
                entry.Cached = true;
            }
            else
            {
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
            _scorer.Score(toScore.Select(i => pending[i].Candidate with { Threshold = pending[i].GroupThreshold }).ToList(), (index, timed) =>
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

    // A cached outcome answers a candidate when it is exact (or a failure), or a bound under the candidate's threshold.
    private bool Answers(EvaluationOutcome known, double? threshold) => !known.Bounded || (threshold is double t && _options.Fitness.Of(known.Scores) <= t);

    // The lower of two thresholds; none (score in full) wins.
    private static double? Lowest(double? a, double? b) => a is double x && b is double y ? Math.Min(x, y) : null;

    // One candidate of a generation: logged (replayed), a cache hit, or waiting for the scorer.
    private sealed class Pending(Candidate candidate, string? vectorHash, string key)
    {
        public Candidate Candidate { get; } = candidate;

        public string? VectorHash { get; } = vectorHash;

        public string Key { get; } = key;

        // The earlier copy of this candidate in its generation, which answers it.
        public int? First { get; set; }

        // For the first copy: the lowest threshold of all copies, which its scoring must settle.
        public double? GroupThreshold { get; set; }

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
            if (scored.Outcome.Bounded && !(entry.GroupThreshold is double t && _options.Fitness.Of(scored.Outcome.Scores) <= t))
            {
                throw new InvalidOperationException($"The scorer stopped candidate {candidate.Method}, step {candidate.Step}, member {candidate.Member} early without a bound under its threshold.");
            }
            record = NewRecord(sequence, candidate with { Threshold = entry.GroupThreshold }, entry.VectorHash, scored.Outcome, cached: false, scored.Seconds);
            _log?.Append(record);
        }

        var result = record.Outcome;
        if (!record.Cached)
        {
            FitnessCalls++;
            _cache.Add(entry.Key, result);
            _stoppedEarly += result.Bounded ? 1 : 0;
        }
        Evaluations++;
        _scoringSeconds += record.Seconds;
        var evaluation = new ScoredCandidate(candidate, result, record.Comparable, record);
        if (candidate.Rows == ScoringRows.Selection)
        {
            return evaluation;
        }
        if (record.Fitness is not null && evaluation.Fitness > (Best?.Fitness ?? double.NegativeInfinity))
        {
            Best = evaluation;
        }
        if (candidate.Step == 0 && record.Fitness is not null && evaluation.Fitness > (_startBest?.Fitness ?? double.NegativeInfinity))
        {
            _startBest = evaluation;
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

    private EvaluationRecord NewRecord(int sequence, Candidate candidate, string? vectorHash, EvaluationOutcome outcome, bool cached, double seconds)
    {
        double? fitness = outcome.Success ? _options.Fitness.Of(outcome.Scores) : null;
        return new(sequence, candidate.Method, candidate.Step, candidate.Member, candidate.Values, vectorHash, outcome.Scores,
            outcome.Bounded ? null : fitness, outcome.Error, cached, seconds, outcome.Bounded ? fitness : null, outcome.Bounded ? candidate.Threshold : null, candidate.Rows);
    }

    private static void CheckReplay(EvaluationRecord record, Candidate candidate, string? vectorHash)
    {
        if (record.Method != candidate.Method || record.Step != candidate.Step || record.Member != candidate.Member
            || !record.Values.AsSpan().SequenceEqual(candidate.Values) || record.VectorSha256 != vectorHash
            || record.Rows != candidate.Rows)
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

    // The search's best goes out only if it also beats the incumbent, the best of the starting step, on the held-back rows.
    private SelectionReport Select(ResultSelection selection, ScoredCandidate searchBest)
    {
        var incumbent = _startBest ?? searchBest;
        if (incumbent.Record.Sequence == searchBest.Record.Sequence)
        {
            return new SelectionReport(incumbent, searchBest, null, null, searchBest, "the search's best is the best of its starting step");
        }
        var held = EvaluateBatch([HeldOut(incumbent), HeldOut(searchBest)], _options.MaxEvaluations - Evaluations);
        var (before, after) = (held[0], held[1]);
        if (!after.Outcome.Success)
        {
            return new SelectionReport(incumbent, searchBest, Scores(before), null, incumbent, $"the search's best failed on the held-back rows: {after.Outcome.Error}");
        }
        if (!before.Outcome.Success)
        {
            return new SelectionReport(incumbent, searchBest, null, Scores(after), searchBest, $"the incumbent failed on the held-back rows: {before.Outcome.Error}");
        }
        var dropped = after.Outcome.Scores.Where(t => t.Value < before.Outcome.Scores[t.Key] - selection.TaskFloor).Select(t => t.Key).ToList();
        string Show(double x) => x.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        string reason = dropped.Count > 0
            ? $"on the held-back rows the search's best falls more than {Show(selection.TaskFloor)} points below the incumbent on {string.Join(", ", dropped)}"
            : after.Fitness > before.Fitness + selection.Margin
                ? $"on the held-back rows the search's best scores {Show(after.Fitness)} against the incumbent's {Show(before.Fitness)}"
                : $"on the held-back rows the search's best scores {Show(after.Fitness)}, not above the incumbent's {Show(before.Fitness)}" + (selection.Margin > 0 ? $" + {Show(selection.Margin)}" : "");
        bool keep = dropped.Count == 0 && after.Fitness > before.Fitness + selection.Margin;
        return new SelectionReport(incumbent, searchBest, Scores(before), Scores(after), keep ? searchBest : incumbent, reason);

        static Candidate HeldOut(ScoredCandidate scored) => scored.Candidate with { Rows = ScoringRows.Selection, Threshold = null };
        static IReadOnlyDictionary<string, double>? Scores(ScoredCandidate scored) => scored.Outcome.Success ? scored.Outcome.Scores : null;
    }

    /// <summary>Thrown by <see cref="Evaluate"/> when the budget is spent; <see cref="Run(ISearch)"/> ends the search on it.</summary>
    private sealed class BudgetSpentException : Exception;
}
