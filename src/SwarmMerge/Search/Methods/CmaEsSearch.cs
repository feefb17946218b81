using System.Text.Json.Nodes;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// CMA-ES as a search, maximizing fitness (the strategy minimizes −fitness; a failed candidate ranks last).
/// Two uses: <see cref="Evo"/> searches an <see cref="EvoSpace"/> (TIES/DARE weights and densities, bounded), and
/// <see cref="OverCoefficients"/> searches PSO's own coefficient space. A generation is a step; its samples
/// are the members. Samples outside the bounds are evaluated at their projection into the box and ranked with
/// a penalty (<see cref="CmaEsSettings.BoundPenalty"/>).
/// </summary>
public sealed class CmaEsSearch : ISearch
{
    private readonly CmaEsSettings _settings;
    private readonly double[] _start;
    private readonly double[]? _lower, _upper;
    private readonly Func<double[], double[]> _toValues;
    private readonly JsonObject _space;

    private CmaEsSearch(string name, CmaEsSettings settings, double[] start, double[]? lower, double[]? upper, Func<double[], double[]> toValues, JsonObject space)
    {
        Name = name;
        _settings = settings;
        _start = start;
        _lower = lower;
        _upper = upper;
        _toValues = toValues;
        _space = space;
    }

    /// <summary>
    /// "Evo": CMA-ES over <paramref name="space"/>'s weights and densities from weights 1/n and density 1
    /// (σ₀ from <paramref name="settings"/>, 1/6 by default). Candidates' values are Evo points.
    /// </summary>
    public static CmaEsSearch Evo(EvoSpace space, CmaEsSettings? settings = null) =>
        new(SearchKind.Evo.LogName(), settings ?? new CmaEsSettings(), space.Initial(), space.Lower(), space.Upper(), point => point,
            new JsonObject { ["kind"] = "evo", ["merge_method"] = space.Method, ["experts"] = space.Experts.Count, ["layer_slices"] = space.LayerSlices,
                ["weight_bounds"] = new JsonArray(space.WeightBounds.Lower, space.WeightBounds.Upper),
                ["density_bounds"] = new JsonArray(space.DensityBounds.Lower, space.DensityBounds.Upper) });

    /// <summary>
    /// CMA-ES over the coefficient space: it searches every coefficient but the base's, which is 1 minus the
    /// others in each group, so candidates are affine combinations like PSO's. It starts at
    /// <paramref name="start"/> (default: every member weighted equally), unbounded. Candidates' values are coefficient points.
    /// </summary>
    public static CmaEsSearch OverCoefficients(CoefficientSpace space, CmaEsSettings? settings = null, double[]? start = null)
    {
        int m = space.MemberCount;
        start ??= Enumerable.Repeat(1.0 / m, space.Dimension).ToArray();
        space.CheckLength(start);
        var free = new double[space.GroupCount * (m - 1)];
        for (int g = 0; g < space.GroupCount; g++)
        {
            start.AsSpan(g * m + 1, m - 1).CopyTo(free.AsSpan(g * (m - 1)));
        }
        double[] ToCoefficients(double[] x)
        {
            var point = new double[space.Dimension];
            for (int g = 0; g < space.GroupCount; g++)
            {
                var others = x.AsSpan(g * (m - 1), m - 1);
                others.CopyTo(point.AsSpan(g * m + 1));
                double sum = 0;
                foreach (double c in others)
                {
                    sum += c;
                }
                point[g * m] = 1 - sum;
            }
            return point;
        }
        return new CmaEsSearch(SearchKind.CmaEs.LogName(), settings ?? new CmaEsSettings(), free, null, null, ToCoefficients,
            new JsonObject { ["kind"] = "coefficients", ["members"] = m, ["groups"] = space.GroupCount,
                ["start"] = new JsonArray(start.Select(v => (JsonNode)v).ToArray()) });
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, _settings, ("space", _space.DeepClone()));

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        if (_start.Length == 0)
        {
            throw new InvalidOperationException("Nothing to search: the space has no free numbers (one member only).");
        }
        var strategy = new CmaEs(_start, _settings);
        string reason;
        while (!strategy.ShouldStop(out reason))
        {
            var samples = strategy.Ask();
            var distances = new double[samples.Length];
            var candidates = new Candidate[samples.Length];
            for (int k = 0; k < samples.Length; k++)
            {
                var inside = Project(samples[k], out distances[k]);
                candidates[k] = new Candidate(Name, strategy.Generation, k, _toValues(inside));
            }
            var values = new double[samples.Length];
            if (session.ScoresOneAtATime)
            {
                for (int k = 0; k < samples.Length; k++)
                {
                    var scored = session.Evaluate(candidates[k] with { Threshold = Threshold(values.AsSpan(0, k), strategy.Mu, distances[k]) });
                    values[k] = -scored.Fitness + _settings.BoundPenalty * distances[k];
                }
            }
            else
            {
                var scored = session.EvaluateAll(candidates);
                for (int k = 0; k < samples.Length; k++)
                {
                    values[k] = -scored[k].Fitness + _settings.BoundPenalty * distances[k];
                }
            }
            strategy.Tell(values);
        }
        return reason;
    }

    /// <summary>
    /// The fitness a sample must exceed to matter, given the values of the samples before it in its generation: the
    /// update weighs only the best μ, so a sample whose best possible value is worse than the μ-th best so far (by at
    /// least TolFun, so that the generation's range cannot fall under TolFun either) takes no part. Null before μ samples.
    /// A sample stopped early is ranked by its bound, which only makes later thresholds lower.
    /// </summary>
    private double? Threshold(ReadOnlySpan<double> earlier, int mu, double squaredDistance)
    {
        if (earlier.Length < mu)
        {
            return null;
        }
        var sorted = earlier.ToArray();
        Array.Sort(sorted);
        double muth = sorted[mu - 1];
        return double.IsFinite(muth) ? _settings.BoundPenalty * squaredDistance - muth - _settings.TolFun : null;
    }

    private double[] Project(double[] x, out double squaredDistance)
    {
        squaredDistance = 0;
        if (_lower is null || _upper is null)
        {
            return x;
        }
        var inside = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            inside[i] = Math.Clamp(x[i], _lower[i], _upper[i]);
            squaredDistance += (x[i] - inside[i]) * (x[i] - inside[i]);
        }
        return inside;
    }
}
