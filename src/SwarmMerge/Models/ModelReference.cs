namespace SwarmMerge.Models;

/// <summary>
/// A model as a config names it: a checkpoint folder, a PEFT adapter folder (applied to the config's base model),
/// or mergekit's <c>base+adapter</c>. Like mergekit's <c>ModelReference</c>, the text is split at <c>+</c>: one part is a
/// folder, two are a model and its LoRA, more are an error.
/// </summary>
/// <param name="Model">The model folder (absolute).</param>
/// <param name="Adapter">The adapter folder applied to it (absolute), if any.</param>
public sealed record ModelReference(string Model, string? Adapter)
{
    /// <summary>Parses <paramref name="text"/>, resolving relative folders against <paramref name="root"/>.</summary>
    /// <exception cref="FormatException">More than one <c>+</c>, or an empty part.</exception>
    public static ModelReference Parse(string text, string root)
    {
        var parts = text.Split('+');
        if (parts.Length > 2 || parts.Any(p => p.Trim().Length == 0))
        {
            throw new FormatException($"Cannot read the model reference '{text}': write a folder, or BASE+ADAPTER (one '+').");
        }
        string Resolve(string part) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(root, part.Trim())));
        return new ModelReference(Resolve(parts[0]), parts.Length == 2 ? Resolve(parts[1]) : null);
    }

    /// <summary>The folders it names: the model's, then the adapter's if any.</summary>
    public IReadOnlyList<string> Folders => Adapter is null ? [Model] : [Model, Adapter];

    /// <summary>True when the reference is a bare adapter folder (it needs a base from elsewhere).</summary>
    public bool IsBareAdapter => Adapter is null && LoraAdapter.IsAdapterFolder(Model);

    /// <summary>This reference with a bare adapter put on <paramref name="baseModel"/>; other references unchanged.</summary>
    /// <exception cref="FormatException">The base is itself <c>base+adapter</c>, which cannot carry a second adapter.</exception>
    public ModelReference OnBase(ModelReference baseModel)
    {
        if (!IsBareAdapter)
        {
            return this;
        }
        if (baseModel.Adapter is not null || baseModel.IsBareAdapter)
        {
            throw new FormatException($"'{Model}' is a PEFT adapter; it is applied to base_model, which must then be a checkpoint folder, not '{baseModel}'. Write BASE+ADAPTER explicitly.");
        }
        return new ModelReference(baseModel.Model, Model);
    }

    /// <summary>The reference as mergekit writes it: <c>model</c> or <c>model+adapter</c>.</summary>
    public override string ToString() => Adapter is null ? Model : $"{Model}+{Adapter}";
}
