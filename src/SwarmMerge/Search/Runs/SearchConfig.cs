using SwarmMerge.Evaluation;
using SwarmMerge.Models;

namespace SwarmMerge.Search.Runs;

/// <summary>A <c>swarmmerge search</c> run: the models, the tasks, the searches compared under one budget, and the data-free baselines.</summary>
public sealed record SearchConfig
{
    /// <summary>The config file it was read from (named in errors about its settings), or null for a config built in code.</summary>
    public string? Source { get; init; }

    /// <summary>The base model (absolute): a checkpoint folder, or <c>base+adapter</c>.</summary>
    public required string BaseModel { get; init; }

    /// <summary>The experts (absolute), in order: checkpoint folders, or <c>base+adapter</c> (an adapter folder listed alone is put on the base).</summary>
    public required IReadOnlyList<string> Experts { get; init; }

    /// <summary>Every folder the run reads models from, with its role: the base's and each expert's (both parts of a <c>base+adapter</c>).</summary>
    public IEnumerable<(string Path, string Role)> ModelFolders =>
        Experts.Select(e => (Model: e, Role: "models")).Prepend((Model: BaseModel, Role: "base_model"))
            .SelectMany(m => ModelReference.Parse(m.Model, Environment.CurrentDirectory).Folders.Select(folder => (folder, m.Role)));

    /// <summary>The task file (absolute).</summary>
    public required string Tasks { get; init; }

    /// <summary>How task scores combine into the fitness.</summary>
    public FitnessKind Fitness { get; init; } = FitnessKind.Mean;

    /// <summary>The searches to run, the first being the one whose best model is written to <c>merged/</c>.</summary>
    public required IReadOnlyList<SearchMethodConfig> Methods { get; init; }

    /// <summary>Evaluations each search may use; null: PSO's own count, (2n+1)·(S+1).</summary>
    public int? Budget { get; init; }

    /// <summary>Data-free merges scored on the same tasks, by merge method, with their parameters.</summary>
    public IReadOnlyList<(string Method, IReadOnlyDictionary<string, object?> Parameters)> Baselines { get; init; } = [];

    /// <summary>
    /// Data-free merges tuned on the optimization split, as users run them: by merge method, parameters whose lists
    /// are the values tried (every combination, each one evaluation); the one with the best fitness on the whole
    /// optimization split is scored on the test split.
    /// </summary>
    public IReadOnlyList<(string Method, IReadOnlyDictionary<string, object?> Grid)> TunedBaselines { get; init; } = [];

    /// <summary>Seed of every random choice (PSO's r, the sparsified experts' masks, CMA-ES's samples, …).</summary>
    public ulong Seed { get; init; }

    /// <summary>Threads for merging and inference.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Score only the first N rows of each test split in the report (null: all).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Stop scoring a candidate once it cannot matter to its search (see <see cref="SearchOptions.EarlyStopping"/>); the searches and their results do not change.</summary>
    public bool EarlyStopping { get; init; } = true;
}

/// <summary>One search of a run and its settings, as written in the config (<c>- pso: {steps: 5}</c>).</summary>
/// <param name="Kind">The search (<c>pso</c>, <c>cma_es</c>, <c>evo</c>, <c>model_swarms</c> or <c>random</c> in the config).</param>
/// <param name="Settings">The method's settings (names as in the config, e.g. <c>steps</c>, <c>w</c>, <c>granularity</c>), without <c>name</c>.</param>
public sealed record SearchMethodConfig(SearchKind Kind, IReadOnlyDictionary<string, object?> Settings)
{
    /// <summary>The search's name in the run folder (<c>methods/NAME/</c>) and the report: its <c>name</c> setting, else its kind.</summary>
    public string Name { get; init; } = Kind.ConfigName();
}
