namespace SwarmMerge.Search.Runs;

/// <summary>Where a run stands after one evaluation, for progress displays.</summary>
/// <param name="Method">The search running.</param>
/// <param name="MethodIndex">Its position in the run (0-based) and the number of searches.</param>
/// <param name="MethodCount">The number of searches in the run.</param>
/// <param name="Step">The candidate's step.</param>
/// <param name="Evaluation">Evaluations of this search so far.</param>
/// <param name="Budget">The search's budget.</param>
/// <param name="Fitness">This candidate's fitness.</param>
/// <param name="BestFitness">The best fitness of this search so far.</param>
/// <param name="SecondsLeft">An estimate of the time left for this search (from the mean time per evaluation), or null.</param>
public sealed record SearchProgress(string Method, int MethodIndex, int MethodCount, int Step, int Evaluation, int Budget, double Fitness, double BestFitness, double? SecondsLeft);
