namespace SwarmMerge.Search.Runs;

/// <summary>Where a run stands after one evaluation, for progress displays.</summary>
/// <param name="Method">The search running.</param>
/// <param name="MethodIndex">Its position in the run (0-based) and the number of searches.</param>
/// <param name="MethodCount">The number of searches in the run.</param>
/// <param name="Step">The candidate's step.</param>
/// <param name="Evaluation">Evaluations of this search so far.</param>
/// <param name="Budget">The search's budget.</param>
/// <param name="Fitness">This candidate's fitness (its upper bound when <paramref name="Bounded"/>).</param>
/// <param name="BestFitness">The best fitness of this search so far.</param>
/// <param name="SecondsLeft">An estimate of the time left for this search (from the mean time per evaluation), or null.</param>
/// <param name="Bounded">True when the candidate's scoring stopped early: <paramref name="Fitness"/> is a bound.</param>
/// <param name="HeldOut">True when it was scored on the rows held back to select the result.</param>
public sealed record SearchProgress(string Method, int MethodIndex, int MethodCount, int Step, int Evaluation, int Budget, double Fitness, double BestFitness, double? SecondsLeft,
    bool Bounded = false, bool HeldOut = false);
