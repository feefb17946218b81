namespace SwarmMerge.Search.Runs;

/// <summary>
/// An anchor member a PSO entry asks for: a data-free merge of the experts, with the baseline's parameters or, when
/// <paramref name="Tuned"/>, with the parameters the run's tuned baseline of that method picked on the optimization
/// split (<see cref="TunedBaseline"/>).
/// </summary>
/// <param name="Method">The merge method (<c>ties</c>).</param>
/// <param name="Tuned">Whether the anchor takes the tuned baseline's parameters.</param>
public sealed record AnchorSpec(string Method, bool Tuned = false)
{
    /// <summary>The member's name in logs and reports: the method, or <c>METHOD (tuned)</c>.</summary>
    public string Name => Tuned ? TunedBaseline.RowName(Method) : Method;

    /// <summary>Its folder's name under the run folder's <c>anchors/</c>: the method, or <c>METHOD-tuned</c>.</summary>
    public string FolderName => Tuned ? Method + "-tuned" : Method;
}
