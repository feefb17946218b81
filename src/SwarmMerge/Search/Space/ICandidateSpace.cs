using SwarmMerge.Inference;

namespace SwarmMerge.Search.Space;

/// <summary>
/// A search's candidates as scoring sees them: how one becomes the engine's weights, or a checkpoint for a scorer that
/// needs files. Each space keeps its own precision: the coefficient space (<see cref="SwarmMaterializer"/>) writes its
/// merged tensors in fp32 over the base the engine holds; the Evo space (<see cref="EvoSpace"/>) runs its TIES / DARE
/// merge plan, each tensor rounded to the dtype its written checkpoint has.
/// </summary>
public interface ICandidateSpace
{
    /// <summary>Writes <paramref name="candidate"/>'s weights into <paramref name="weights"/> (an engine of the base's architecture).</summary>
    /// <exception cref="Merging.MergeConfigException">The candidate is a merge the method refuses.</exception>
    void WriteWeights(Candidate candidate, ModelWeights weights, CancellationToken cancellation = default);

    /// <summary>
    /// True when <see cref="WriteWeights"/> fills the engine exactly as loading <see cref="WriteCheckpoint"/>'s folder
    /// would (Evo: its merge rounded to the checkpoint's dtype), so a written candidate can be scored from its folder
    /// instead of being made again; false for the coefficient space, whose candidates are scored in fp32.
    /// </summary>
    bool ScoredAsWritten { get; }

    /// <summary>Writes <paramref name="candidate"/> as a checkpoint into <paramref name="directory"/>, replacing what is there.</summary>
    /// <exception cref="Merging.MergeConfigException">The candidate is a merge the method refuses.</exception>
    void WriteCheckpoint(Candidate candidate, string directory, CancellationToken cancellation = default);
}
