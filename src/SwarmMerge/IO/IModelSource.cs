using System.Text.Json.Nodes;

namespace SwarmMerge.IO;

/// <summary>
/// A model whose tensors a merge, a search or the engine reads: a checkpoint folder (<see cref="Checkpoint"/>),
/// or a base checkpoint with a PEFT LoRA adapter applied (<c>Adapters.AdaptedModel</c>). Values are read per
/// element range (<see cref="ITensorValues"/>), so an adapter's B·A is computed only for the chunk being read.
/// </summary>
public interface IModelSource : IDisposable
{
    /// <summary>How messages name the model: its folder, or <c>base+adapter</c>.</summary>
    string Name { get; }

    /// <summary>The folder that holds the model's <c>config.json</c> and tokenizer files (the base's, for an adapter).</summary>
    string Directory { get; }

    /// <summary>Every folder the model is read from: the checkpoint's; for <c>base+adapter</c>, the base's and the adapter's.</summary>
    IReadOnlyList<string> Folders { get; }

    /// <summary>The parsed <c>config.json</c>, or null when there is none.</summary>
    JsonObject? Config { get; }

    /// <summary>Every tensor, in the checkpoint's data order.</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Whether the input and output embeddings are tied (see <see cref="Checkpoint.TieWordEmbeddings"/>).</summary>
    bool TieWordEmbeddings { get; }

    /// <summary>True when the model has tensor <paramref name="name"/>.</summary>
    bool Contains(string name);

    /// <summary>Header entry (name, dtype, shape) of tensor <paramref name="name"/>.</summary>
    TensorInfo Info(string name);

    /// <summary>
    /// Opens the values of tensor <paramref name="name"/>. When <paramref name="origin"/> is the model this one
    /// derives from (the base an adapter is applied to), <see cref="ITensorValues.ReadTaskVector"/> computes the
    /// task vector without reading the origin's values again, and <see cref="ITensorValues.SameAsOrigin"/> tells
    /// when it is zero.
    /// </summary>
    ITensorValues OpenValues(string name, IModelSource? origin = null);

    /// <summary>Maps the stored bytes of tensor <paramref name="name"/>, for tensors copied as they are (non-float ones).</summary>
    TensorView OpenTensor(string name);
}
