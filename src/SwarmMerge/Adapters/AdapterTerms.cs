using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Models;

namespace SwarmMerge.Adapters;

/// <summary>
/// A result that is linear in the task vectors: θ(T) = θ₀(T) + Σᵢ cᵢ(T)·τᵢ(T) for every merged tensor T, the
/// coefficients given per tensor. Such a result of adapter experts is itself an adapter, exactly (<see cref="ExactAdapter"/>).
/// </summary>
/// <param name="Base">The base θ₀ the adapter would apply to (a checkpoint).</param>
/// <param name="Experts">The models whose task vectors are combined.</param>
/// <param name="Coefficients">cᵢ(T) by tensor name, one per expert (tensors absent from it are the base's).</param>
public sealed record AdapterTerms(Checkpoint Base, IReadOnlyList<IModelSource> Experts, IReadOnlyDictionary<string, double[]> Coefficients)
{
    /// <summary>
    /// The terms of <paramref name="plan"/> when its method is linear in the task vectors (<c>task_arithmetic</c>; <c>linear</c> whose
    /// base coefficient is 1, i.e. normalized or weights summing to 1), else null with the reason in <paramref name="reason"/>.
    /// </summary>
    public static AdapterTerms? FromPlan(MergePlan plan, out string? reason)
    {
        reason = null;
        string method = plan.Method.Name;
        if (method is not ("task_arithmetic" or "linear"))
        {
            reason = method switch
            {
                "ties" or "dare_ties" or "breadcrumbs_ties" => $"{method} trims or drops task-vector entries one by one and elects a sign per entry, so its result is not a sum of the adapters' low-rank updates",
                "dare_linear" or "breadcrumbs" or "della" or "della_linear" => $"{method} drops or trims task-vector entries one by one, so its result is not a sum of the adapters' low-rank updates",
                "slerp" => "slerp scales the base itself by a coefficient other than 1",
                "model_stock" => "model_stock moves toward the experts' mean by a factor it computes from their cosines, per tensor or per row",
                _ => $"{method} is not linear in the task vectors",
            };
            return null;
        }
        var baseModel = BaseCheckpoint(plan.Base, plan.Models, out reason);
        if (baseModel is null)
        {
            return null;
        }
        var coefficients = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var job in plan.Jobs)
        {
            if (!job.Models.Select(m => m.Source).SequenceEqual(plan.Models) || job.Models.Any(m => m.TensorName != job.Name) || job.BaseInput is { } b && b.TensorName != job.Name)
            {
                // slices that move layers or change sources between slices: not θ₀(T) + Σ cᵢ·τᵢ(T) of the same T.
                reason = $"tensor '{job.Name}' is not made from the same tensor of the base and every model (a slices merge that moves layers or changes sources)";
                return null;
            }
            var weights = Enumerable.Range(0, job.ModelCount).Select(i => (double)(float)job.ModelNumber(i, "weight")).ToArray();
            double sum = weights.Sum();
            if (method == "linear")
            {
                double scale = job.Flag("normalize") ? 1 / sum : 1;
                if (Math.Abs(sum * scale - 1) > 1e-6)
                {
                    reason = $"linear without normalize and with weights summing to {sum} scales the base itself (tensor '{job.Name}'), which no adapter does";
                    return null;
                }
                coefficients[job.Name] = weights.Select(w => w * scale).ToArray();
            }
            else
            {
                // GeneralizedTaskArithmetic: λ·Σwᵢτᵢ, divided by Σw with normalize (a zero sum read as 1).
                double divisor = job.Flag("normalize") && Math.Abs((float)sum) >= 1e-8f ? sum : 1;
                double lambda = (float)job.Number("lambda");
                coefficients[job.Name] = weights.Select(w => lambda * w / divisor).ToArray();
            }
        }
        return new AdapterTerms(baseModel, plan.Models, coefficients);
    }

    /// <summary>The checkpoint an adapter result applies to: the base model, or (without one) the base all adapters share.</summary>
    public static Checkpoint? BaseCheckpoint(IModelSource? baseModel, IReadOnlyList<IModelSource> models, out string? reason)
    {
        reason = null;
        switch (baseModel)
        {
            case Checkpoint checkpoint:
                return checkpoint;
            case AdaptedModel:
                reason = "base_model is itself base+adapter; an output adapter applies to a checkpoint";
                return null;
        }
        var bases = models.Select(m => m is AdaptedModel a ? a.Base : m).Distinct().ToList();
        if (bases.Count == 1 && bases[0] is Checkpoint shared)
        {
            return shared;
        }
        reason = "without base_model, the models share no base checkpoint for an adapter to apply to";
        return null;
    }
}
