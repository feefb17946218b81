namespace SwarmMerge.Merging;

/// <summary>A parameter a merge method reads: its name, its default, and whether it must be given.</summary>
/// <param name="Name">Name as written in the config.</param>
/// <param name="Default">Value when the config gives none (a double, bool or string), or null when required.</param>
public sealed record ParameterDefinition(string Name, object? Default)
{
    /// <summary>True when the config must give a value.</summary>
    public bool Required => Default is null;
}
