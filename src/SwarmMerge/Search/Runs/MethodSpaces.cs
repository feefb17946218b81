using SwarmMerge.Merging;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary>
/// The coefficient spaces of a run's searches, opened once each: the shared one (the first PSO entry's members
/// and granularity, which every search but PSO uses) and a PSO entry's own when its settings differ (another
/// preset, anchors, granularity). Anchor members are data-free merges of the experts, written once into the run
/// folder's <c>anchors/METHOD/</c> (with the baselines' parameters and the run's seed, so an anchor is exactly the
/// baseline of that name) or, for a tuned anchor, <c>anchors/METHOD-tuned/</c> (with the parameters the run's tuned
/// baseline picked, so it is exactly that baseline), and reused when the run resumes.
/// </summary>
internal sealed class MethodSpaces : IDisposable
{
    /// <summary>Where anchor merges go inside a run folder.</summary>
    public const string AnchorFolder = "anchors";

    private readonly SearchConfig _config;
    private readonly string _runDirectory;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<string, SwarmMaterializer> _opened = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? _tuned;

    /// <summary>Opens the shared space of <paramref name="config"/>; the others open when first asked for.</summary>
    public MethodSpaces(SearchConfig config, string runDirectory, CancellationToken cancellation = default)
    {
        _config = config;
        _runDirectory = runDirectory;
        _cancellation = cancellation;
        Shared = Open(SearchMethods.Members(config), SearchMethods.Granularity(config), []);
    }

    /// <summary>The space every search but PSO uses.</summary>
    public SwarmMaterializer Shared { get; }

    /// <summary>Gives tuned anchors their parameters: the run's tuned baselines' picks, by method (set before a space with one opens).</summary>
    public void UseTuned(IEnumerable<TunedBaseline> tuned) => _tuned = tuned.ToDictionary(t => t.Method, t => t.Chosen, StringComparer.Ordinal);

    /// <summary>The space of <paramref name="method"/> (writing its anchor merges first if they are not in the run folder yet).</summary>
    public SwarmMaterializer Of(SearchMethodConfig method)
    {
        var (members, granularity, anchors) = SearchMethods.SpaceOf(method, _config);
        return Open(members, granularity, anchors);
    }

    /// <summary>
    /// What <paramref name="method"/>'s candidates are points of: the Evo space for <c>evo</c>, else the method's
    /// coefficient space (<see cref="Of"/>).
    /// </summary>
    public ICandidateSpace CandidatesOf(SearchMethodConfig method) =>
        method.Kind == SearchKind.Evo ? EvoMethod.SpaceOf(method, _config) : Of(method);

    /// <summary>
    /// Checks <paramref name="method"/>'s space without writing anything (its settings, each anchor's merge plan) and
    /// hands it to <paramref name="check"/> (to build the search on it). An anchor not merged yet is stood in for by the
    /// base model, which has exactly the tensors the merge will have, so the space has its real members and size. The
    /// space is opened for the check only: a tuned anchor's parameters are known once the run has tuned its baselines.
    /// </summary>
    public void Check(SearchMethodConfig method, Action<SwarmMaterializer> check)
    {
        var (members, granularity, anchors) = SearchMethods.SpaceOf(method, _config);
        foreach (var anchor in anchors)
        {
            BaselinePlans.Of(_config, anchor.Method, new Dictionary<string, object?>()).Dispose();
        }
        var standIns = anchors.Select(a => new AnchorMember(a.Name, Directory.Exists(AnchorPath(a)) ? AnchorPath(a) : _config.BaseModel)).ToList();
        using var standIn = SwarmMaterializer.Open(members with { Anchors = standIns }, granularity, _config.Threads);
        check(standIn);
    }

    /// <summary>
    /// The tuned anchor of <paramref name="method"/> if a search of this run has written it: the run's tuned baseline
    /// of that method byte for byte (the same plan, parameters and seed), so it need not be merged again; else null.
    /// </summary>
    public string? WrittenTunedAnchor(string method) => AnchorPath(new AnchorSpec(method, Tuned: true)) is var folder && Directory.Exists(folder) ? folder : null;

    private string AnchorPath(AnchorSpec anchor) => Path.Combine(_runDirectory, AnchorFolder, anchor.FolderName);

    private SwarmMaterializer Open(SwarmMembers members, Granularity granularity, IReadOnlyList<AnchorSpec> anchors)
    {
        string key = $"{members.DropRate:R}|{members.IncludeSparsified}|{granularity}|{string.Join(',', anchors.Select(a => a.FolderName))}";
        if (_opened.TryGetValue(key, out var known))
        {
            return known;
        }
        var withAnchors = members with { Anchors = anchors.Select(WriteAnchor).ToList() };
        var opened = SwarmMaterializer.Open(withAnchors, granularity, _config.Threads);
        _opened[key] = opened;
        return opened;
    }

    private IReadOnlyDictionary<string, object?> ParametersOf(AnchorSpec anchor) =>
        !anchor.Tuned ? new Dictionary<string, object?>()
        : _tuned?.GetValueOrDefault(anchor.Method) ?? throw new InvalidOperationException($"Anchor '{anchor.Name}' needs the run's tuned {anchor.Method} baseline, which has not been tuned yet.");

    // A merge committed atomically is complete, and the same config and seed give the same bytes: reuse it.
    private AnchorMember WriteAnchor(AnchorSpec anchor)
    {
        string folder = AnchorPath(anchor);
        var parameters = ParametersOf(anchor);
        if (!Directory.Exists(folder))
        {
            using var plan = BaselinePlans.Of(_config, anchor.Method, parameters);
            MergeExecutor.Run(plan, folder, new MergeOptions { Threads = _config.Threads, Seed = _config.Seed }, cancellation: _cancellation);
        }
        return new AnchorMember(anchor.Name, folder) { Method = anchor.Method, Parameters = parameters };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var materializer in _opened.Values)
        {
            materializer.Dispose();
        }
    }
}
