using System.Security.Cryptography;
using System.Text;
using SwarmMerge.Evaluation;
using SwarmMerge.Search;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Cluster;

/// <summary>One input file of a fingerprint.</summary>
/// <param name="Name">Its role name (<c>base_model/model.safetensors</c>).</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="Sha256">The SHA-256 of its bytes, lower-case hex.</param>
[GenerateSerializer, Immutable]
public sealed record FileDigest([property: Id(0)] string Name, [property: Id(1)] long Length, [property: Id(2)] string Sha256);

/// <summary>
/// What a coordinator asks a worker to score for, one search of a run at a time: the input files it must hold (by
/// fingerprint) and that search's space, which turns a candidate's numbers into weights. The anchor members (data-free
/// merges) a worker makes itself from its own copies of the inputs, and refuses the job if their weights differ from
/// the coordinator's. Everything else a worker takes from its own search config.
/// </summary>
/// <param name="Files">The coordinator's input fingerprint.</param>
/// <param name="DropRate">DARE drop rate of the sparsified swarm members.</param>
/// <param name="IncludeSparsified">Whether the sparsified experts are members.</param>
/// <param name="Seed">The run's seed (sparsification masks, and the random anchor merges).</param>
/// <param name="Granularity">Coefficient granularity.</param>
/// <param name="Anchors">The data-free merges that are members after the sparsified experts, in order.</param>
/// <param name="AnchorFiles">The coordinator's anchor weight files (<c>anchors/ties/model.safetensors</c>, …).</param>
/// <param name="EvoMergeMethod">The merge method of an Evo search, or null for a search over the coefficient space.</param>
/// <param name="EvoLayerSlices">The Evo search's layer slices.</param>
/// <param name="HeldOutShare">The share of the optimization split held back to select the search's result (0: none); the rows are split with <paramref name="Seed"/>.</param>
/// <param name="Fitness">How task scores combine, for stopping candidates early.</param>
/// <param name="ReferenceTasks">For a normalized mean: the tasks of <paramref name="ReferenceScores"/>; otherwise empty.</param>
/// <param name="ReferenceScores">For a normalized mean: each task's reference score.</param>
/// <param name="AnchorMethods">Each anchor's merge method (<c>ties</c> for <c>ties (tuned)</c>).</param>
/// <param name="AnchorParameters">Each anchor's merge parameters over the baseline defaults, as a JSON object (<c>{}</c>: the defaults; a tuned anchor's picked values).</param>
[GenerateSerializer, Immutable]
public sealed record WorkerJob(
    [property: Id(0)] FileDigest[] Files,
    [property: Id(1)] double DropRate,
    [property: Id(2)] bool IncludeSparsified,
    [property: Id(3)] ulong Seed,
    [property: Id(4)] Granularity Granularity,
    [property: Id(5)] string[] Anchors,
    [property: Id(6)] FileDigest[] AnchorFiles,
    [property: Id(7)] string? EvoMergeMethod,
    [property: Id(8)] int EvoLayerSlices,
    [property: Id(9)] double HeldOutShare,
    [property: Id(10)] FitnessKind Fitness,
    [property: Id(11)] string[] ReferenceTasks,
    [property: Id(12)] double[] ReferenceScores,
    [property: Id(13)] string[] AnchorMethods,
    [property: Id(14)] string[] AnchorParameters)
{
    /// <summary>A short name of the job: the SHA-256 of its fields, so that equal jobs have equal ids.</summary>
    public string Id
    {
        get
        {
            var text = new StringBuilder();
            foreach (var file in Files.Concat(AnchorFiles))
            {
                text.Append(file.Name).Append('|').Append(file.Length).Append('|').Append(file.Sha256).Append('\n');
            }
            text.Append(FormattableString.Invariant($"{DropRate:R}|{IncludeSparsified}|{Seed}|{Granularity}|{string.Join(',', Anchors)}|{EvoMergeMethod}|{EvoLayerSlices}"));
            text.Append(FormattableString.Invariant($"|{HeldOutShare:R}|{Fitness}|{string.Join(',', ReferenceTasks.Zip(ReferenceScores, (t, r) => $"{t}={r:R}"))}"));
            text.Append('|').AppendJoin(',', AnchorMethods.Zip(AnchorParameters, (m, p) => $"{m}={p}"));
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        }
    }
}

/// <summary>A worker's answer to a job.</summary>
/// <param name="Worker">The worker's name (host, process, silo).</param>
/// <param name="Threads">Its engine threads.</param>
/// <param name="Refusal">Why it refuses the job (its input files differ from the coordinator's), or null when it accepts.</param>
[GenerateSerializer, Immutable]
public sealed record JoinReply([property: Id(0)] string Worker, [property: Id(1)] int Threads, [property: Id(2)] string? Refusal);

/// <summary>One candidate to score: only what defines it travels, never weights, except elementwise PSO's vector.</summary>
/// <param name="JobId">The job the worker accepted (<see cref="WorkerJob.Id"/>).</param>
/// <param name="Kind">The search's kind (for logs and messages). The job says what the point is: for a job with an Evo merge method, a point of its Evo space (merge weights and densities); otherwise of the coefficient space.</param>
/// <param name="Method">The search's name.</param>
/// <param name="Step">Step or generation.</param>
/// <param name="Member">Particle or individual.</param>
/// <param name="Values">The point.</param>
/// <param name="Vector">Elementwise PSO: the candidate's weights (4 bytes per merged parameter); otherwise null.</param>
/// <param name="Threshold">The fitness the candidate must exceed to matter (scoring may stop early once it cannot), or null.</param>
/// <param name="Selection">True to score the rows held back for selection instead of the search's rows.</param>
[GenerateSerializer, Immutable]
public sealed record EvaluationRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] SearchKind Kind,
    [property: Id(2)] string Method,
    [property: Id(3)] int Step,
    [property: Id(4)] int Member,
    [property: Id(5)] double[] Values,
    [property: Id(6)] float[]? Vector,
    [property: Id(7)] double? Threshold = null,
    [property: Id(8)] bool Selection = false);

/// <summary>What a worker's scoring gave.</summary>
/// <param name="Tasks">Task names, in the task file's order.</param>
/// <param name="Scores">The score of each task (×100); empty when the evaluation failed.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
/// <param name="Seconds">The worker's time scoring it.</param>
/// <param name="Refusal">Set instead of a result when the worker has not accepted the job (it restarted): the coordinator sends the candidate elsewhere.</param>
/// <param name="Bounded">True when scoring stopped early: <paramref name="Scores"/> are each task's upper bound.</param>
[GenerateSerializer, Immutable]
public sealed record EvaluationReply(
    [property: Id(0)] string[] Tasks,
    [property: Id(1)] double[] Scores,
    [property: Id(2)] string? Error,
    [property: Id(3)] double Seconds,
    [property: Id(4)] string? Refusal,
    [property: Id(5)] bool Bounded = false);
