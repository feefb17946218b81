using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>One model's part in an output tensor: which tensor of it to read, with which parameters.</summary>
/// <param name="Model">The model.</param>
/// <param name="TensorName">Its tensor (a slice source's own layer number, where the output's differs).</param>
/// <param name="Parameters">Its own parameters (a model entry's or a slice source's).</param>
/// <param name="Label">The model as written in the config, for messages.</param>
internal sealed record SlotInput(IModelSource Model, string TensorName, IReadOnlyDictionary<string, ParameterSetting> Parameters, string Label);

/// <summary>Where one output tensor comes from, before its parameters are evaluated.</summary>
/// <param name="Name">The output tensor's name.</param>
/// <param name="T">Its position for gradients.</param>
/// <param name="Reference">The model whose tensor gives the output's shape and dtype (and its bytes, when not merged).</param>
/// <param name="ReferenceName">That tensor's name.</param>
/// <param name="Base">The base model's tensor, if the merge has one here.</param>
/// <param name="Inputs">The merged models' tensors, in order.</param>
/// <param name="SliceParameters">The slice's parameters (empty for <c>models:</c>).</param>
internal sealed record TensorSlot(string Name, double T, IModelSource Reference, string ReferenceName, SlotInput? Base,
    IReadOnlyList<SlotInput> Inputs, IReadOnlyDictionary<string, ParameterSetting> SliceParameters);

/// <summary>The output of a merge laid out tensor by tensor.</summary>
/// <param name="Slots">Every output tensor, in output order.</param>
/// <param name="Reference">The model whose config.json the output gets.</param>
/// <param name="Models">The merged models (the base excluded where the method requires one).</param>
/// <param name="LayerOrigins">For <c>slices</c>, the layer each output layer is made from (its slice's reference source), else null.</param>
internal sealed record PlanLayout(IReadOnlyList<TensorSlot> Slots, IModelSource Reference, IReadOnlyList<IModelSource> Models, IReadOnlyList<LayerOrigin>? LayerOrigins)
{
    /// <summary>The output's layer count when <c>slices</c> set it, else null.</summary>
    public int? OutputLayers => LayerOrigins?.Count;
}

/// <summary>The layer an output layer is made from: layer <paramref name="Layer"/> of <paramref name="Model"/>.</summary>
internal sealed record LayerOrigin(IModelSource Model, int Layer);
