using SwarmMerge.Inference;
using SwarmMerge.Merging;

namespace SwarmMerge.Search.Space;

/// <summary>
/// The space of "Evo" (evolutionary merging after Akiba et al., as the paper's baseline): the per-model weight
/// and density of a TIES or DARE merge of the experts into the base, optionally one pair per layer slice.
/// A point holds, slice by slice, the n weights then the n densities. It starts at weights 1/n and density 1
/// and is bounded by <see cref="WeightBounds"/> and <see cref="DensityBounds"/>.
/// </summary>
public sealed class EvoSpace : ICandidateSpace
{
    /// <summary>The space of merging <paramref name="experts"/> into <paramref name="baseModel"/> with <paramref name="method"/>.</summary>
    /// <param name="baseModel">Base checkpoint folder.</param>
    /// <param name="experts">Expert checkpoint folders.</param>
    /// <param name="method">One of <see cref="DataFreeMerges.EvoNames"/>.</param>
    /// <param name="layerSlices">Number of layer slices k, each with its own weights and densities (1 = one pair per model).</param>
    public EvoSpace(string baseModel, IReadOnlyList<string> experts, string method = "ties", int layerSlices = 1)
    {
        if (experts.Count < 1)
        {
            throw new ArgumentException("Evo needs at least one expert.", nameof(experts));
        }
        if (!DataFreeMerges.EvoNames.Contains(method))
        {
            throw new ArgumentException($"Evo searches {string.Join(", ", DataFreeMerges.EvoNames)}; not '{method}'.", nameof(method));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(layerSlices, 1);
        BaseModel = Path.GetFullPath(baseModel);
        Experts = experts.Select(Path.GetFullPath).ToList();
        Method = method;
        LayerSlices = layerSlices;
    }

    /// <summary>The base checkpoint folder (absolute).</summary>
    public string BaseModel { get; }

    /// <summary>The expert checkpoint folders (absolute).</summary>
    public IReadOnlyList<string> Experts { get; }

    /// <summary>The merge method.</summary>
    public string Method { get; }

    /// <summary>Number of layer slices.</summary>
    public int LayerSlices { get; }

    /// <summary>Range of a weight (default [0, 1]).</summary>
    public (double Lower, double Upper) WeightBounds { get; init; } = (0, 1);

    /// <summary>Range of a density (default [0, 1]).</summary>
    public (double Lower, double Upper) DensityBounds { get; init; } = (0, 1);

    /// <summary>Numbers in a point: 2·n·k.</summary>
    public int Dimension => 2 * Experts.Count * LayerSlices;

    /// <summary>The starting point: weights 1/n, densities 1.</summary>
    public double[] Initial() => Fill(1.0 / Experts.Count, 1);

    /// <summary>Lower bounds, per number.</summary>
    public double[] Lower() => Fill(WeightBounds.Lower, DensityBounds.Lower);

    /// <summary>Upper bounds, per number.</summary>
    public double[] Upper() => Fill(WeightBounds.Upper, DensityBounds.Upper);

    /// <summary>Weight of expert <paramref name="expert"/> in slice <paramref name="slice"/> of <paramref name="point"/>.</summary>
    public double Weight(ReadOnlySpan<double> point, int expert, int slice) => point[slice * 2 * Experts.Count + expert];

    /// <summary>Density of expert <paramref name="expert"/> in slice <paramref name="slice"/> of <paramref name="point"/>.</summary>
    public double Density(ReadOnlySpan<double> point, int expert, int slice) => point[slice * 2 * Experts.Count + Experts.Count + expert];

    /// <summary>The merge configuration of <paramref name="point"/> (method defaults for everything else).</summary>
    public MergeConfig ToMergeConfig(ReadOnlySpan<double> point)
    {
        if (point.Length != Dimension)
        {
            throw new ArgumentException($"An Evo point has {Dimension} numbers; this one has {point.Length}.", nameof(point));
        }
        var models = new List<ModelEntry>();
        for (int i = 0; i < Experts.Count; i++)
        {
            var weights = new double[LayerSlices];
            var densities = new double[LayerSlices];
            for (int s = 0; s < LayerSlices; s++)
            {
                weights[s] = Weight(point, i, s);
                densities[s] = Density(point, i, s);
            }
            models.Add(new ModelEntry(Experts[i], new Dictionary<string, ParameterSetting>
            {
                ["weight"] = Setting(weights),
                ["density"] = Setting(densities),
            }));
        }
        return new MergeConfig(Method, BaseModel, models, new Dictionary<string, ParameterSetting>(), null, null, null);
    }

    /// <summary>Merge threads for <see cref="WriteWeights"/> and <see cref="WriteCheckpoint(Candidate, string, CancellationToken)"/> (default: one per core).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <inheritdoc />
    public bool ScoredAsWritten => true;

    /// <inheritdoc />
    /// <remarks>The merge runs into the engine's weights (<see cref="WeightsSink"/>): nothing is written to disk.</remarks>
    public void WriteWeights(Candidate candidate, ModelWeights weights, CancellationToken cancellation = default)
    {
        using var plan = Plan(candidate.Values);
        MergeExecutor.Run(plan, new WeightsSink(weights, plan.Tensors.Select(t => t.Output).ToList()), Options, cancellation: cancellation);
    }

    /// <inheritdoc />
    public void WriteCheckpoint(Candidate candidate, string directory, CancellationToken cancellation = default) =>
        WriteCheckpoint(candidate.Values, directory, Options, cancellation);

    private MergeOptions Options => new() { Overwrite = true, Threads = Threads };

    /// <summary>The merge plan of <paramref name="point"/> (its inputs opened; dispose it).</summary>
    public MergePlan Plan(ReadOnlySpan<double> point) => MergePlanner.Create(ToMergeConfig(point), Directory.GetCurrentDirectory());

    /// <summary>Merges <paramref name="point"/> into the checkpoint folder <paramref name="outputDirectory"/>.</summary>
    public MergeResult WriteCheckpoint(ReadOnlySpan<double> point, string outputDirectory, MergeOptions options, CancellationToken cancellation = default)
    {
        using var plan = Plan(point);
        return MergeExecutor.Run(plan, outputDirectory, options, cancellation: cancellation);
    }

    private static ParameterSetting Setting(double[] values) => values.Length == 1 ? new ScalarSetting(values[0]) : new LayerSlicesSetting(values);

    private double[] Fill(double weight, double density)
    {
        int n = Experts.Count;
        var point = new double[Dimension];
        for (int s = 0; s < LayerSlices; s++)
        {
            point.AsSpan(s * 2 * n, n).Fill(weight);
            point.AsSpan(s * 2 * n + n, n).Fill(density);
        }
        return point;
    }
}
