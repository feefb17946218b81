using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using SwarmMerge.Merging.Sparsification;
using SwarmMerge.Numerics;

namespace SwarmMerge.Merging.Methods;

/// <summary>
/// The task-vector family (task arithmetic, TIES, DARE, breadcrumbs, DELLA): sparsify each task vector,
/// weight it, optionally elect a sign per entry and keep only agreeing entries, sum, normalize, scale by
/// lambda, add to the base. The exact arithmetic is in docs/merge-methods.md.
/// </summary>
public abstract class GeneralizedTaskArithmetic : IMergeMethod
{
    private readonly SparsificationKind _kind;
    private readonly bool _consensus;

    /// <summary>Declares one member of the family.</summary>
    protected GeneralizedTaskArithmetic(string name, SparsificationKind kind, bool consensus, bool normalizeByDefault, bool rescaleByDefault)
    {
        Name = name;
        _kind = kind;
        _consensus = consensus;
        var parameters = new List<ParameterDefinition>
        {
            new("normalize", normalizeByDefault), new("lambda", 1.0), new("int8_mask", false), new("rescale", rescaleByDefault),
        };
        var modelParameters = new List<ParameterDefinition> { new("weight", null) };
        if (kind != SparsificationKind.None)
        {
            parameters.Add(new("rescale_mode", "l1"));
            modelParameters.Add(new("density", 1.0));
        }
        if (kind is SparsificationKind.Magnitude or SparsificationKind.MagnitudeOutliers)
        {
            parameters.Add(new("sparsify_scope", "tensor"));
        }
        if (kind == SparsificationKind.MagnitudeOutliers)
        {
            modelParameters.Add(new("gamma", 0.01));
        }
        if (kind == SparsificationKind.DellaMagprune)
        {
            modelParameters.Add(new("epsilon", 0.15));
        }
        Parameters = parameters;
        ModelParameters = modelParameters;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool RequiresBaseModel => true;

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<ParameterDefinition> ModelParameters { get; }

    private bool WholeModelScope(TensorMergeJob job) =>
        _kind is SparsificationKind.Magnitude or SparsificationKind.MagnitudeOutliers && job.Text("sparsify_scope") == "model";

    /// <inheritdoc />
    public void ValidateModelCount(int count)
    {
        if (count < 1)
        {
            throw new MergeConfigException($"merge_method '{Name}' needs at least one model besides the base.");
        }
    }

    /// <inheritdoc />
    public void ValidateParameters(TensorMergeJob job)
    {
        job.Flag("normalize");
        job.Flag("rescale");
        job.Number("lambda");
        if (_kind == SparsificationKind.None)
        {
            return;
        }
        if (job.Text("rescale_mode") is not ("l1" or "inverse_density"))
        {
            throw job.Invalid("rescale_mode", null, "'l1' or 'inverse_density'");
        }
        if (_kind is SparsificationKind.Magnitude or SparsificationKind.MagnitudeOutliers && job.Text("sparsify_scope") is not ("tensor" or "model"))
        {
            throw job.Invalid("sparsify_scope", null, "'tensor' or 'model'");
        }
        for (int i = 0; i < job.ModelCount; i++)
        {
            job.ModelNumber(i, "weight");
            // mergekit treats a density above 1 as 1 and fails later on one below 0; both are refused here, as typos.
            double density = job.ModelNumber(i, "density");
            if (density is < 0 or > 1)
            {
                throw job.Invalid("density", i, "between 0 and 1");
            }
            if (_kind == SparsificationKind.MagnitudeOutliers && job.ModelNumber(i, "gamma") is < 0 or > 1)
            {
                throw job.Invalid("gamma", i, "between 0 and 1");
            }
            if (_kind == SparsificationKind.DellaMagprune && density is > 0 and < 1)
            {
                double epsilon = job.ModelNumber(i, "epsilon");
                if (epsilon < 0 || density - epsilon <= 0 || density + epsilon >= 1)
                {
                    throw job.Invalid("epsilon", i, $"such that density ± epsilon lies in (0, 1) (density is {density})");
                }
            }
        }
    }

    /// <inheritdoc />
    public void Prepare(MergeRun run)
    {
        if (run.Jobs.Count == 0 || !WholeModelScope(run.Jobs[0]))
        {
            return;
        }
        if (run.Jobs.Any(j => !j.Models.Select(m => m.Source).SequenceEqual(run.Jobs[0].Models.Select(m => m.Source))))
        {
            throw new MergeConfigException("sparsify_scope: model ranks each model's whole task vector, so every tensor must merge the same models; these slices merge different ones (use sparsify_scope: tensor).");
        }
        for (int model = 0; model < run.Jobs[0].ModelCount; model++)
        {
            foreach (string parameter in _kind == SparsificationKind.MagnitudeOutliers ? ["density", "gamma"] : new[] { "density" })
            {
                var values = run.Jobs.Select(j => j.ModelNumber(model, parameter)).Distinct().ToList();
                if (values.Count != 1)
                {
                    throw new MergeConfigException($"sparsify_scope: model needs one {parameter} per model, but model '{run.Jobs[0].Models[model].Source.Name}' has {string.Join(", ", values)} across tensors.");
                }
            }
            var densities = run.Jobs.Select(j => j.ModelNumber(model, "density")).Distinct().ToList();
            if (densities[0] is > 0 and < 1)
            {
                var gamma = _kind == SparsificationKind.MagnitudeOutliers ? run.Jobs[0].ModelNumber(model, "gamma") : 0;
                run.State[CutKey(model)] = FindCuts(TaskVectorValues.OfModel(run, model), densities[0], gamma);
            }
        }
    }

    private static string CutKey(int model) => $"gta-model-cut-{model}";

    private (RankCut Low, RankCut? High) FindCuts(TaskVectorValues values, double density, double gamma)
    {
        long n = values.Count;
        long target = (long)Math.Floor(density * n);
        if (_kind == SparsificationKind.Magnitude)
        {
            return (RankSelection.Find(values, n - target), null);
        }
        long top = (long)Math.Floor(gamma * n);
        long bottom = n - target - top;
        if (bottom < 0)
        {
            top += bottom;
            bottom = 0;
        }
        return (RankSelection.Find(values, bottom), RankSelection.Find(values, n - top));
    }

    private Sparsifier? CreateSparsifier(TensorMergeJob job, int model)
    {
        if (_kind == SparsificationKind.None)
        {
            return null;
        }
        double density = job.ModelNumber(model, "density");
        if (density >= 1)
        {
            return null;
        }
        if (density <= 0)
        {
            return new ZeroSparsifier();
        }
        ulong key = CounterRandom.StreamKey(job.Run.Seed, job.Name, model + 1);
        Sparsifier raw;
        switch (_kind)
        {
            case SparsificationKind.Random:
                raw = new RandomSparsifier(key, density);
                break;
            case SparsificationKind.DellaMagprune:
                raw = new DellaSparsifier(key, density, job.ModelNumber(model, "epsilon"), job.RowLength);
                break;
            default:
                bool global = WholeModelScope(job);
                var (low, high) = global
                    ? ((RankCut, RankCut?))job.Run.State[CutKey(model)]
                    : FindCuts(TaskVectorValues.OfTensor(job, model), density, _kind == SparsificationKind.MagnitudeOutliers ? job.ModelNumber(model, "gamma") : 0);
                raw = new MagnitudeSparsifier(low, high, global ? job.GlobalOffset : 0);
                break;
        }
        if (!job.Flag("rescale") || job.Text("rescale_mode") != "l1")
        {
            return raw;
        }

        // mergekit's rescale: match the L1 norm of the whole tensor's task vector before and after the mask.
        var norms = job.SumChunks(2, (start, count, scratch, sums) =>
        {
            var baseValues = scratch.Get(0, count);
            var delta = scratch.Get(1, count);
            job.ReadBase(start, baseValues);
            job.ReadDelta(model, start, baseValues, delta);
            sums[0] = Reductions.SumAbs(delta);
            raw.Apply(start, delta, divideByKeepProbability: false);
            sums[1] = Reductions.SumAbs(delta);
        }, WholeRows);
        const double Epsilon = 1e-7;
        return norms[0] < Epsilon || norms[1] < Epsilon ? raw : new ScaledSparsifier(raw, (float)(norms[0] / norms[1]));
    }

    private bool WholeRows => _kind == SparsificationKind.DellaMagprune;

    /// <inheritdoc />
    public void Merge(TensorMergeJob job)
    {
        int n = job.ModelCount;
        var weights = new float[n];
        var sparsifiers = new Sparsifier?[n];
        for (int i = 0; i < n; i++)
        {
            weights[i] = (float)job.ModelNumber(i, "weight");
            sparsifiers[i] = CreateSparsifier(job, i);
        }
        bool divide = job.Flag("rescale") && _kind is SparsificationKind.Random or SparsificationKind.DellaMagprune
            && job.Text("rescale_mode") == "inverse_density";
        bool normalize = job.Flag("normalize");
        float lambda = (float)job.Number("lambda");
        float weightSum = 0;
        foreach (float w in weights)
        {
            weightSum += w;
        }
        float divisor = Math.Abs(weightSum) < 1e-8f ? 1 : weightSum;

        job.ForEachChunk((start, count, scratch) =>
        {
            var baseValues = scratch.Get(0, count);
            var mixed = scratch.Get(1, count);
            job.ReadBase(start, baseValues);
            mixed.Clear();
            for (int i = 0; i < n; i++)
            {
                var delta = scratch.Get(3 + i, count);
                job.ReadDelta(i, start, baseValues, delta);
                sparsifiers[i]?.Apply(start, delta, divide);
                TensorPrimitives.Multiply(delta, weights[i], delta);
                TensorPrimitives.Add(mixed, delta, mixed);
            }

            if (_consensus)
            {
                // mixed holds Σδ, whose sign is the elected one; rebuild it from the agreeing entries only.
                var agreeingWeights = scratch.Get(2, count);
                var elected = scratch.Get(3 + n, count);
                mixed.CopyTo(elected);
                mixed.Clear();
                agreeingWeights.Clear();
                for (int i = 0; i < n; i++)
                {
                    AddAgreeing(elected, scratch.Get(3 + i, count), weights[i], mixed, agreeingWeights);
                }
                if (normalize)
                {
                    DivideByNonZero(mixed, agreeingWeights);
                }
            }
            else if (normalize)
            {
                TensorPrimitives.Divide(mixed, divisor, mixed);
            }

            if (lambda != 1)
            {
                TensorPrimitives.Multiply(mixed, lambda, mixed);
            }
            TensorPrimitives.Add(baseValues, mixed, mixed);
            job.Write(start, mixed);
        }, WholeRows);
    }

    // Where sign(δ) equals the elected sign (+ when elected ≥ 0), add δ to mixed and w to weights. Zero never agrees.
    private static void AddAgreeing(ReadOnlySpan<float> elected, ReadOnlySpan<float> delta, float weight, Span<float> mixed, Span<float> weights)
    {
        int e = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zero = Vector256<float>.Zero;
            var w = Vector256.Create(weight);
            for (; e <= delta.Length - Vector256<float>.Count; e += Vector256<float>.Count)
            {
                var s = Vector256.Create(elected.Slice(e, Vector256<float>.Count));
                var d = Vector256.Create(delta.Slice(e, Vector256<float>.Count));
                var positive = Vector256.GreaterThanOrEqual(s, zero);
                var agree = (positive & Vector256.GreaterThan(d, zero)) | Vector256.AndNot(Vector256.LessThan(d, zero), positive);
                (Vector256.Create(mixed.Slice(e, Vector256<float>.Count)) + (d & agree)).CopyTo(mixed.Slice(e));
                (Vector256.Create(weights.Slice(e, Vector256<float>.Count)) + (w & agree)).CopyTo(weights.Slice(e));
            }
        }
        for (; e < delta.Length; e++)
        {
            if (elected[e] >= 0 ? delta[e] > 0 : delta[e] < 0)
            {
                mixed[e] += delta[e];
                weights[e] += weight;
            }
        }
    }

    // mixed /= divisor, with a zero divisor read as 1.
    private static void DivideByNonZero(Span<float> mixed, ReadOnlySpan<float> divisor)
    {
        int e = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; e <= mixed.Length - Vector256<float>.Count; e += Vector256<float>.Count)
            {
                var d = Vector256.Create(divisor.Slice(e, Vector256<float>.Count));
                d = Vector256.ConditionalSelect(Vector256.Equals(d, Vector256<float>.Zero), one, d);
                (Vector256.Create(mixed.Slice(e, Vector256<float>.Count)) / d).CopyTo(mixed.Slice(e));
            }
        }
        for (; e < mixed.Length; e++)
        {
            mixed[e] /= divisor[e] == 0 ? 1 : divisor[e];
        }
    }
}
