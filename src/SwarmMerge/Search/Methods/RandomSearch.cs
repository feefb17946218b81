using System.Text.Json.Nodes;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Methods;

/// <summary>
/// Random search over the coefficient space: each candidate's coefficients are drawn, group by group
/// independently, from a Dirichlet distribution (α = <see cref="RandomSearchSettings.Concentration"/>; α = 1 is
/// uniform on the probability simplex), i.e. convex combinations of the members: non-negative, summing to 1.
/// Candidate k is step k. A Dirichlet draw is a vector of independent Gamma(α) draws divided by its sum.
/// </summary>
public sealed class RandomSearch(CoefficientSpace space, RandomSearchSettings settings) : ISearch
{
    /// <inheritdoc />
    public string Name => SearchKind.Random.LogName();

    /// <inheritdoc />
    public JsonObject Describe() => SettingsJson.Describe(Name, settings,
        ("space", new JsonObject { ["members"] = space.MemberCount, ["groups"] = space.GroupCount }));

    /// <inheritdoc />
    public string Execute(SearchSession session)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Evaluations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Concentration);
        var random = new SearchRandom(settings.Seed, Name);
        var candidates = new Candidate[settings.Evaluations];
        for (int k = 0; k < settings.Evaluations; k++)
        {
            var point = settings.IncludeMembers && k < space.MemberCount ? space.Corner(k) : Draw(random);
            candidates[k] = new Candidate(Name, k, 0, point);
        }
        // Draws do not depend on scores: the whole budget is one generation. Scored one at a time, a draw only has to
        // be known to beat the best so far.
        if (!session.ScoresOneAtATime)
        {
            session.EvaluateAll(candidates);
            return "evaluations";
        }
        foreach (var candidate in candidates)
        {
            session.Evaluate(candidate with { Threshold = session.Best?.Fitness });
        }
        return "evaluations";
    }

    /// <summary>One Dirichlet draw per group.</summary>
    public double[] Draw(SearchRandom random)
    {
        int m = space.MemberCount;
        var point = new double[space.Dimension];
        for (int g = 0; g < space.GroupCount; g++)
        {
            var row = point.AsSpan(g * m, m);
            double sum = 0;
            for (int j = 0; j < m; j++)
            {
                row[j] = random.NextGamma(settings.Concentration);
                sum += row[j];
            }
            for (int j = 0; j < m; j++)
            {
                row[j] /= sum;
            }
        }
        return point;
    }
}
