using SwarmMerge.IO;

namespace SwarmMerge.Models;

/// <summary>
/// Opens the models of one merge or search, each checkpoint folder and each <c>base+adapter</c> once: a
/// <c>base+adapter</c> shares the base's <see cref="Checkpoint"/> with every other model that names it, which is what
/// lets an adapter's task vector be computed without reading the base twice, and a model named twice is the same
/// object (a merge tells the base from the experts by identity). Disposing the opener closes everything it opened.
/// </summary>
public sealed class ModelOpener : IDisposable
{
    private readonly Dictionary<string, Checkpoint> _checkpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<ModelReference, AdaptedModel> _adapted = [];
    private readonly List<IDisposable> _opened = [];

    /// <summary>Warnings of the adapters opened so far.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The checkpoint in <paramref name="directory"/> (opened once).</summary>
    /// <exception cref="AdapterFormatException">The folder is an adapter, not a checkpoint.</exception>
    public Checkpoint Checkpoint(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!_checkpoints.TryGetValue(directory, out var checkpoint))
        {
            checkpoint = OpenCheckpoint(directory);
            _checkpoints[directory] = checkpoint;
            _opened.Add(checkpoint);
        }
        return checkpoint;
    }

    /// <summary>Opens <paramref name="reference"/>: a checkpoint, or an adapter on its (shared) base.</summary>
    /// <exception cref="AdapterFormatException">A bare adapter (resolve it with <see cref="ModelReference.OnBase"/> first), or an adapter that does not fit.</exception>
    public IModelSource Open(ModelReference reference)
    {
        if (reference.Adapter is null)
        {
            return Checkpoint(reference.Model);
        }
        if (_adapted.TryGetValue(reference, out var opened))
        {
            return opened;
        }
        var baseModel = Checkpoint(reference.Model);
        var adapter = LoraAdapter.Open(reference.Adapter);
        try
        {
            var model = AdaptedModel.Create(baseModel, adapter);
            _opened.Add(model);
            _adapted[reference] = model;
            Warnings.AddRange(model.Warnings);
            return model;
        }
        catch
        {
            adapter.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="reference"/> as text (a folder or <c>base+adapter</c>, relative to <paramref name="root"/>).</summary>
    public IModelSource Open(string reference, string root) => Open(ModelReference.Parse(reference, root));

    /// <summary>Opens one model on its own; the caller disposes it (with its base).</summary>
    public static IModelSource OpenStandalone(string reference, string root)
    {
        var parsed = ModelReference.Parse(reference, root);
        if (parsed.Adapter is null)
        {
            return OpenCheckpoint(parsed.Model);
        }
        var baseModel = OpenCheckpoint(parsed.Model);
        try
        {
            var adapter = LoraAdapter.Open(parsed.Adapter);
            try
            {
                return AdaptedModel.Create(baseModel, adapter, ownsBase: true);
            }
            catch
            {
                adapter.Dispose();
                throw;
            }
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    private static Checkpoint OpenCheckpoint(string directory) => LoraAdapter.IsAdapterFolder(directory)
        ? throw new AdapterFormatException(directory, null,
            "is a PEFT adapter (adapter_config.json), not a checkpoint; name it as BASE+ADAPTER, or list it under models: with a base_model")
        : IO.Checkpoint.Open(directory);

    /// <inheritdoc />
    public void Dispose()
    {
        // Adapted models first: they use the checkpoints opened before them.
        for (int i = _opened.Count - 1; i >= 0; i--)
        {
            _opened[i].Dispose();
        }
    }
}
