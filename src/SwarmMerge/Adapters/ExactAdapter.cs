using System.Numerics.Tensors;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Adapters;

/// <summary>
/// The adapter that is exactly a linear result of adapter experts (<see cref="AdapterTerms"/>): per module, the
/// experts' A stacked and their B side by side with cᵢ·scaleᵢ folded in, so B'·A' = Σᵢ cᵢ·scaleᵢ·Bᵢ·Aᵢ, rank Σ rᵢ
/// (modules with a smaller sum are padded with zero rows). Tensors an expert replaces in full (<c>modules_to_save</c>,
/// saved biases) are saved in full with their merged values. Experts that are full checkpoints have dense task
/// vectors, so no exact adapter exists: they are refused (a truncated SVD, <see cref="TruncatedAdapter"/>, is the alternative).
/// </summary>
public static class ExactAdapter
{
    private sealed record Term(AdaptedModel Expert, LowRankDelta Delta, double Coefficient);

    /// <summary>The rank the exact adapter of <paramref name="terms"/> needs, or null with the reason it does not exist.</summary>
    public static int? RequiredRank(AdapterTerms terms, out string? reason)
    {
        if (!Check(terms, out reason))
        {
            return null;
        }
        return RankOf(Layout(terms).Layers);
    }

    // The largest Σ rᵢ over modules: every layer is padded to it.
    private static int RankOf(SortedDictionary<string, List<Term>> layers) => layers.Count == 0 ? 0 : layers.Values.Max(t => t.Sum(x => x.Delta.Rank));

    /// <summary>Writes the exact adapter of <paramref name="terms"/> into <paramref name="directory"/>.</summary>
    /// <exception cref="NotSupportedException">No exact adapter exists (the message says why).</exception>
    public static AdapterOutputResult Write(AdapterTerms terms, string directory, bool overwrite, TensorDType? dtype = null, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        if (!Check(terms, out string? reason))
        {
            throw new NotSupportedException($"No exact adapter: {reason}.");
        }
        var (modules, replaced) = Layout(terms);
        int rank = Math.Max(1, RankOf(modules));
        string prefix = PeftAdapterWriter.ModulePrefix(terms.Base, terms.Experts);
        var baseModel = terms.Base;

        var layers = new List<AdapterLayer>();
        var targets = new List<string>();
        bool transposedLinear = false;
        foreach (var (tensor, parts) in modules)
        {
            if (parts.Select(p => p.Delta.Transposed).Distinct().Count() > 1)
            {
                throw new NotSupportedException($"The adapters disagree on the layout of '{tensor}' (one reads it as [out, in], another as a Conv1D [in, out]); they cannot be stacked.");
            }
            string module = prefix + tensor[..^".weight".Length];
            targets.Add(module);
            layers.Add(Stack(module, parts, rank));
            transposedLinear |= parts[0].Delta.Transposed && !parts[0].Delta.Layer.IsEmbedding;
        }
        if (transposedLinear && modules.Any(m => !m.Value[0].Delta.Transposed && !m.Value[0].Delta.Layer.IsEmbedding && m.Value[0].Delta.Rows == m.Value[0].Delta.Columns))
        {
            throw new NotSupportedException("The result has square Linear and Conv1D layers at once; one fan_in_fan_out cannot describe both.");
        }

        var targetModules = modules.Keys.Select(t => t[..t.LastIndexOf('.')]).ToHashSet(StringComparer.Ordinal);
        var (full, saved, targetParameters) = PeftAdapterWriter.PlaceFullTensors(baseModel, prefix, targetModules, replaced, (tensor, key) => Merged(terms, tensor, key, dtype));
        var config = PeftAdapterWriter.Config(baseModel.Directory, rank, targets, PeftAdapterWriter.Candidates(baseModel, prefix), saved, transposedLinear,
            PeftAdapterWriter.TaskType(terms.Experts), targetParameters);
        PeftAdapterWriter.Write(directory, overwrite, config, layers, full, dtype ?? TensorDType.F32, extraFiles);
        return new AdapterOutputResult(Path.GetFullPath(directory), rank, layers.Count, full.Count, Exact: true, 0, 0, null);
    }

    private static bool Check(AdapterTerms terms, out string? reason)
    {
        for (int i = 0; i < terms.Experts.Count; i++)
        {
            var expert = terms.Experts[i];
            bool used = terms.Coefficients.Values.Any(c => c[i] != 0);
            if (!used || ReferenceEquals(expert, terms.Base))
            {
                continue;
            }
            if (expert is not AdaptedModel adapted)
            {
                reason = $"'{expert.Name}' is a full checkpoint: its task vector is dense, so no low-rank adapter gives the result exactly (ask for a truncated one with a rank)";
                return false;
            }
            if (!ReferenceEquals(adapted.Base, terms.Base))
            {
                reason = $"'{expert.Name}' is an adapter on another base than {terms.Base.Directory}";
                return false;
            }
        }
        reason = null;
        return true;
    }

    // Per changed tensor: the low-rank terms, or (when an expert replaces it in full) nothing but a place among the full tensors.
    private static (SortedDictionary<string, List<Term>> Layers, List<string> Replaced) Layout(AdapterTerms terms)
    {
        var layers = new SortedDictionary<string, List<Term>>(StringComparer.Ordinal);
        var replaced = new List<string>();
        foreach (var (tensor, coefficients) in terms.Coefficients)
        {
            var parts = new List<Term>();
            bool full = false;
            for (int i = 0; i < terms.Experts.Count; i++)
            {
                if (coefficients[i] == 0 || terms.Experts[i] is not AdaptedModel adapted || !adapted.Changes(tensor))
                {
                    continue;
                }
                full |= adapted.Replacements.ContainsKey(tensor);
                if (adapted.Deltas.TryGetValue(tensor, out var delta))
                {
                    parts.Add(new Term(adapted, delta, coefficients[i]));
                }
            }
            if (full)
            {
                replaced.Add(tensor);
            }
            else if (parts.Count > 0)
            {
                layers[tensor] = parts;
            }
        }
        return (layers, replaced);
    }

    // [A₁; A₂; …; 0] and [c₁s₁B₁ | c₂s₂B₂ | … | 0] in PEFT's layout.
    private static AdapterLayer Stack(string module, List<Term> parts, int rank)
    {
        var first = parts[0].Delta.Layer;
        long inner = first.A.Shape[1], outer = first.B.Shape[0];
        var a = new float[rank * inner];
        var b = new float[outer * rank];
        int offset = 0;
        foreach (var (expert, delta, coefficient) in parts)
        {
            int r = delta.Rank;
            var factorA = Read(expert.Adapter.File, delta.Layer.A);
            var factorB = Read(expert.Adapter.File, delta.Layer.B);
            factorA.CopyTo(a.AsSpan((int)(offset * inner)));
            float scale = (float)(coefficient * delta.Scale);
            for (long row = 0; row < outer; row++)
            {
                TensorPrimitives.Multiply(factorB.AsSpan((int)(row * r), r), scale, b.AsSpan((int)(row * rank + offset), r));
            }
            offset += r;
        }
        return new AdapterLayer(module, first.IsEmbedding, a, [rank, inner], b, [outer, rank]);
    }

    private static float[] Read(SafetensorsFile file, TensorInfo info)
    {
        using var view = file.OpenTensor(info.Name);
        var values = new float[info.ElementCount];
        view.ReadFloats(0, values);
        return values;
    }

    // θ₀ + Σ cᵢτᵢ of one tensor, read chunk by chunk.
    private static AdapterFullTensor Merged(AdapterTerms terms, string tensor, string key, TensorDType? dtype)
    {
        var info = terms.Base.Info(tensor);
        var coefficients = terms.Coefficients.TryGetValue(tensor, out var c) ? c : new double[terms.Experts.Count];
        return new AdapterFullTensor(key, dtype ?? info.DType, info.Shape, (start, destination) =>
        {
            using var baseValues = terms.Base.OpenValues(tensor);
            baseValues.ReadFloats(start, destination);
            var delta = new float[destination.Length];
            var sum = new float[destination.Length];
            for (int i = 0; i < terms.Experts.Count; i++)
            {
                if (coefficients[i] == 0 || ReferenceEquals(terms.Experts[i], terms.Base))
                {
                    continue;
                }
                using var values = terms.Experts[i].OpenValues(tensor, terms.Base);
                values.ReadTaskVector(start, destination, delta);
                TensorPrimitives.MultiplyAdd(delta, (float)coefficients[i], sum, sum);
            }
            TensorPrimitives.Add(destination, sum, destination);
        });
    }
}
