using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// Lays out a <c>slices:</c> config as mergekit's planner does: the first slice's sources give the tensors before
/// the layers, then every slice's layers in order, renumbered from 0, then the last slice's sources give the
/// tensors after the layers. Layer k of a slice of n layers sits at t = k / (n − 1) (t = 1 when n = 1); the
/// tensors outside the layers at t = 0.
/// </summary>
internal static class SlicePlanner
{
    /// <summary>The layout of <paramref name="config"/>, whose <see cref="MergeConfig.Slices"/> are set.</summary>
    public static PlanLayout Plan(MergeConfig config, IMergeMethod method, IModelSource? baseModel,
        Func<string, string, IModelSource> open, List<string> warnings)
    {
        var stacks = new Dictionary<IModelSource, LayerStack>();
        LayerStack StackOf(IModelSource model) => stacks.TryGetValue(model, out var stack) ? stack : stacks[model] = LayerStack.Of(model);

        var slices = config.Slices!.Select((slice, k) => Open(slice, k, config, baseModel, open, StackOf)).ToList();
        var slots = new List<TensorSlot>();
        var origins = new List<LayerOrigin>();
        var first = Roles(slices[0], slices[0].Sources, method);
        slots.AddRange(Outside(first, StackOf(first.Reference.Model).PreWeights));
        int layer = 0;
        foreach (var slice in slices)
        {
            var roles = Roles(slice, slice.Sources, method);
            int length = slice.Sources[0].Source.Length;
            for (int offset = 0; offset < length; offset++, layer++)
            {
                double t = LayerPosition.Within(offset, length);
                origins.Add(new LayerOrigin(roles.Reference.Model, roles.Reference.Source.Start + offset));
                foreach (string name in StackOf(roles.Reference.Model).Layer(roles.Reference.Source.Start + offset))
                {
                    // Each source reads its own layer: the same tensor, renumbered to its layer_range.
                    SlotInput Input(Placed placed) => new(placed.Model, LayerStack.Renumber(name, placed.Source.Start + offset), placed.Source.Parameters, placed.Source.Model);
                    slots.Add(new TensorSlot(LayerStack.Renumber(name, layer), t, roles.Reference.Model, name,
                        roles.Base is { } b ? Input(b) : null, roles.Inputs.Select(Input).ToList(), slice.Parameters));
                }
            }
        }
        // mergekit plans the post-weights by zipping the last slice's models with as many inputs as the first
        // slice has, so a last slice with more sources than the first contributes only its first ones.
        var lastSlice = slices[^1];
        var last = Roles(lastSlice, lastSlice.Sources.Take(slices[0].Sources.Count).ToList(), method);
        if (lastSlice.Sources.Count > slices[0].Sources.Count)
        {
            warnings.Add($"slices[{slices.Count - 1}]: the tensors after the layers come from its first {slices[0].Sources.Count} source(s) only, as many as slices[0] has (mergekit's rule).");
        }
        slots.AddRange(Outside(last, StackOf(last.Reference.Model).PostWeights));

        var models = slices.SelectMany(s => Roles(s, s.Sources, method).Inputs.Select(i => i.Model)).Distinct().ToList();
        return new PlanLayout(slots, baseModel ?? first.Reference.Model, models, origins);
    }

    // A slice with its models opened and its layer ranges checked against them.
    private sealed record OpenedSlice(int Index, IReadOnlyList<Placed> Sources, IModelSource? Base, IReadOnlyDictionary<string, ParameterSetting> Parameters);

    // One source of a slice, opened.
    private sealed record Placed(SliceSource Source, IModelSource Model);

    // Who does what in a slice: the base (if among its sources), the merged inputs, the reference for shapes.
    private sealed record SliceRoles(OpenedSlice Slice, Placed? Base, IReadOnlyList<Placed> Inputs, Placed Reference);

    private static OpenedSlice Open(OutputSlice slice, int k, MergeConfig config, IModelSource? baseModel,
        Func<string, string, IModelSource> open, Func<IModelSource, LayerStack> stackOf)
    {
        var sources = slice.Sources.Select((source, j) =>
        {
            var model = open(source.Model, $"slices[{k}].sources[{j}]");
            int count = stackOf(model).Count;
            if (source.End > count)
            {
                throw new MergeConfigException($"slices[{k}].sources[{j}]: layer_range [{source.Start}, {source.End}] goes past the end of '{source.Model}', which has {count} layers.");
            }
            return new Placed(source, model);
        }).ToList();
        var repeated = sources.GroupBy(s => s.Model).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            // mergekit keys a slice's tensors by model, so it would silently keep only one of the ranges.
            throw new MergeConfigException($"slices[{k}]: '{repeated.First().Source.Model}' is listed more than once; a slice takes each model once (to stack layers of one model, give each range its own slice).");
        }
        var sliceBase = slice.BaseModel is null ? baseModel : open(slice.BaseModel, $"slices[{k}].base_model");
        return new OpenedSlice(k, sources, sliceBase, slice.Parameters);
    }

    private static SliceRoles Roles(OpenedSlice slice, IReadOnlyList<Placed> sources, IMergeMethod method)
    {
        var baseSource = sources.FirstOrDefault(s => ReferenceEquals(s.Model, slice.Base));
        if (method.RequiresBaseModel && baseSource is null)
        {
            throw new MergeConfigException(slice.Base is null
                ? $"merge_method '{method.Name}' needs 'base_model' (top level, or in slices[{slice.Index}])."
                : $"slices[{slice.Index}]: the base model '{slice.Base.Name}' must be one of the slice's sources, which are all that mergekit merges.");
        }
        var inputs = method.RequiresBaseModel ? sources.Where(s => s != baseSource).ToList() : sources.ToList();
        method.ValidateModelCount(inputs.Count);
        return new SliceRoles(slice, baseSource, inputs, baseSource ?? sources[0]);
    }

    // Tensors outside the layers: the same name in every model, at t = 0.
    private static IEnumerable<TensorSlot> Outside(SliceRoles roles, IReadOnlyList<string> names) =>
        names.Select(name =>
        {
            SlotInput Input(Placed placed) => new(placed.Model, name, placed.Source.Parameters, placed.Source.Model);
            return new TensorSlot(name, 0, roles.Reference.Model, name, roles.Base is { } b ? Input(b) : null,
                roles.Inputs.Select(Input).ToList(), roles.Slice.Parameters);
        });
}
