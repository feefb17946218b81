using System.Text.Json.Nodes;
using SwarmMerge.Models;
using SwarmMerge.IO;

namespace SwarmMerge.Merging;

/// <summary>
/// What a <c>slices</c> merge writes into its config.json besides the layer count so that each output layer keeps the
/// attention of the layer it is made from (sliding window or full), for the model types whose layers differ in it
/// (Gemma 2, Gemma 3 text, Qwen2, Qwen3).
/// </summary>
/// <remarks>
/// A documented difference from mergekit, which sets only the layer count: its output keeps a <c>layer_types</c> of the
/// old length (transformers refuses the config) or lets the type's index rule give a stacked layer another attention
/// than it was trained with. Qwen's pattern is written as <c>max_window_layers</c> when the sliding layers are the
/// last ones (every transformers version reads it), else as <c>layer_types</c> (read by versions that have the field).
/// </remarks>
/// <param name="LayerTypes">The <c>layer_types</c> to write, or null to leave the field as it is.</param>
/// <param name="MaxWindowLayers">The <c>max_window_layers</c> to write, or null to leave it as it is.</param>
internal sealed record SliceAttention(string[]? LayerTypes, int? MaxWindowLayers)
{
    private const string Sliding = LayerAttention.Sliding, Full = LayerAttention.Full;

    /// <summary>
    /// The changes that make <paramref name="reference"/>'s config, with the layer count of <paramref name="origins"/>,
    /// give each output layer its origin's attention; null when none are needed (or the model type has no per-layer
    /// attention). Each origin's attention is read from its own model's config.json.
    /// </summary>
    public static SliceAttention? Of(IModelSource reference, IReadOnlyList<LayerOrigin> origins)
    {
        if (reference.Config is not { } config || ModelType(config) is not { } modelType)
        {
            return null;
        }
        var flags = new Dictionary<IModelSource, bool[]?>();
        bool[]? FlagsOf(IModelSource model) => flags.TryGetValue(model, out var known) ? known
            : flags[model] = model.Config is { } c && ModelType(c) is { } type ? Derive(c, type, Path.Combine(model.Directory, "config.json")) : null;
        if (origins.Any(o => FlagsOf(o.Model) is null))
        {
            return null;
        }
        var wanted = origins.Select(o => FlagsOf(o.Model)![o.Layer]).ToArray();

        var output = (JsonObject)config.DeepClone();
        output["num_hidden_layers"] = origins.Count;
        bool hasTypes = output.Remove("layer_types");
        string source = Path.Combine(reference.Directory, "config.json");
        if (Derive(output, modelType, source) is not { } derived)
        {
            return null;  // the output's own model type has no per-layer attention
        }
        if (derived.SequenceEqual(wanted))
        {
            return hasTypes ? new SliceAttention(Names(wanted), null) : null;
        }
        int leadingFull = wanted.TakeWhile(s => !s).Count();
        if (modelType is "qwen2" or "qwen3" && wanted.Skip(leadingFull).All(s => s))
        {
            output["max_window_layers"] = leadingFull;
            if (Derive(output, modelType, source)!.SequenceEqual(wanted))
            {
                return new SliceAttention(hasTypes ? Names(wanted) : null, leadingFull);
            }
        }
        return new SliceAttention(Names(wanted), null);
    }

    /// <summary>Writes the changes into <paramref name="config"/>.</summary>
    public void Apply(JsonObject config)
    {
        if (LayerTypes is { } types)
        {
            config["layer_types"] = new JsonArray(types.Select(t => (JsonNode)t).ToArray());
        }
        if (MaxWindowLayers is { } max)
        {
            config["max_window_layers"] = max;
        }
    }

    private static string? ModelType(JsonObject config) => config["model_type"] is JsonValue value && value.TryGetValue(out string? type) ? type : null;

    private static bool[]? Derive(JsonObject config, string modelType, string source) =>
        LayerAttention.SlidingFlags(new ConfigReader(config, source), modelType);

    private static string[] Names(bool[] sliding) => sliding.Select(s => s ? Sliding : Full).ToArray();
}
