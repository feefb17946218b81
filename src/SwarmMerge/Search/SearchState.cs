using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Search;

/// <summary>
/// <c>state.json</c> of a run folder: what the run is (the search's <see cref="ISearch.Describe"/>) and how far
/// it got. The log is the truth; this file names the search to rebuild on resume and summarizes progress.
/// It is replaced atomically after every evaluation.
/// </summary>
/// <param name="Search">The search's description.</param>
/// <param name="Evaluations">Evaluations logged.</param>
/// <param name="FitnessCalls">Of those, candidates actually scored.</param>
/// <param name="Completed">Whether the search finished.</param>
/// <param name="StoppedBy">Why it finished, or null.</param>
/// <param name="BestSequence">Log position of the best evaluation, or null.</param>
/// <param name="BestFitness">Its fitness, or null.</param>
public sealed record SearchState(JsonObject Search, int Evaluations, int FitnessCalls, bool Completed, string? StoppedBy, int? BestSequence, double? BestFitness)
{
    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "state.json";

    /// <summary>Reads the state of run folder <paramref name="runDirectory"/>, or null when it has none.</summary>
    public static SearchState? Load(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SearchState>(InputFiles.ReadAllText(path), Options) is { Search: not null } state
                ? state : throw new JsonException("no 'search' description");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a search state ({(e is JsonException json ? JsonErrors.Describe(json) : e.Message)}); "
                + "it is rewritten after every evaluation, so delete it to resume from the log alone.");
        }
    }

    /// <summary>Writes the state into <paramref name="runDirectory"/> atomically (a temporary file moved over the old one).</summary>
    public void Save(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Options) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
