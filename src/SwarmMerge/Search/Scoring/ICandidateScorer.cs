using SwarmMerge.Evaluation;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Search.Scoring;

/// <summary>How a search run scores candidates and checkpoints: the built-in engine, or a user's external evaluator.</summary>
public interface ICandidateScorer : IDisposable
{
    /// <summary>Scores the coefficient-space (or elementwise) <paramref name="candidate"/> on <paramref name="tasks"/>.</summary>
    EvaluationOutcome Score(SwarmMaterializer materializer, Candidate candidate, TaskSet tasks);

    /// <summary>Scores the checkpoint in <paramref name="directory"/> on <paramref name="tasks"/>.</summary>
    EvaluationOutcome Score(string directory, TaskSet tasks);
}
