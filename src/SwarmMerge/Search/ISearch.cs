using System.Text.Json.Nodes;

namespace SwarmMerge.Search;

/// <summary>
/// A search algorithm. It is deterministic given its settings and seed: the candidates it asks for depend
/// only on them and on the fitness of earlier candidates. That is what makes a run resumable exactly
/// (see <see cref="SearchSession"/>).
/// </summary>
public interface ISearch
{
    /// <summary>The method's name, as logged (<c>pso</c>, <c>model-swarms</c>, …).</summary>
    string Name { get; }

    /// <summary>Everything that determines the run (method, settings, seed, space): kept in <c>state.json</c>; a resumed run must describe itself identically.</summary>
    JsonObject Describe();

    /// <summary>Runs the search, scoring every candidate through <paramref name="session"/>.</summary>
    /// <returns>Why it stopped on its own (e.g. <c>steps</c>, <c>patience</c>); a spent budget ends it through the session instead.</returns>
    string Execute(SearchSession session);
}
