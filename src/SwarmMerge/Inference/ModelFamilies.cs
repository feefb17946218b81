using System.Text.Json.Nodes;
using SwarmMerge.IO;
using SwarmMerge.Models;

namespace SwarmMerge.Inference;

/// <summary>The <c>model_type</c> values the inference engine runs, and the family of each.</summary>
public static class ModelFamilies
{
    /// <summary>Every supported <c>model_type</c> and its family.</summary>
    public static IReadOnlyDictionary<string, ModelFamily> Supported { get; } = new Dictionary<string, ModelFamily>(StringComparer.Ordinal)
    {
        ["gpt2"] = ModelFamily.CausalLanguageModel,
        ["llama"] = ModelFamily.CausalLanguageModel,
        ["mistral"] = ModelFamily.CausalLanguageModel,
        ["qwen2"] = ModelFamily.CausalLanguageModel,
        ["qwen3"] = ModelFamily.CausalLanguageModel,
        ["phi3"] = ModelFamily.CausalLanguageModel,
        ["gemma2"] = ModelFamily.CausalLanguageModel,
        ["gemma3_text"] = ModelFamily.CausalLanguageModel,
        ["bert"] = ModelFamily.SequenceClassification,
        ["roberta"] = ModelFamily.SequenceClassification,
        ["t5"] = ModelFamily.Seq2SeqLanguageModel,
    };

    /// <summary>The family of <paramref name="config"/>'s <c>model_type</c>.</summary>
    /// <exception cref="ModelConfigException">No or an unsupported <c>model_type</c>.</exception>
    public static ModelFamily FamilyOf(JsonObject config, string source = "config.json") =>
        Supported[ModelType(new ConfigReader(config, source), null)];

    /// <summary>
    /// Builds the model <paramref name="checkpoint"/>'s <c>config.json</c> describes (a <see cref="CausalLanguageModel"/>,
    /// <see cref="SequenceClassificationModel"/> or <see cref="Seq2SeqLanguageModel"/>) and loads its weights.
    /// </summary>
    /// <exception cref="ModelConfigException">No config, or an unsupported <c>model_type</c> (the message lists the supported ones).</exception>
    /// <exception cref="SafetensorsFormatException">A weight is missing or misshaped (the message names it).</exception>
    public static InferenceModel Open(Checkpoint checkpoint, InferenceOptions? options = null) =>
        ModelFamilies.FamilyOf(ModelFamilies.ConfigOf(checkpoint), Path.Combine(checkpoint.Directory, "config.json")) switch
        {
            ModelFamily.CausalLanguageModel => CausalLanguageModel.Open(checkpoint, options),
            ModelFamily.SequenceClassification => SequenceClassificationModel.Open(checkpoint, options),
            _ => Seq2SeqLanguageModel.Open(checkpoint, options),
        };

    internal static string ModelType(ConfigReader config, ModelFamily? expected)
    {
        string modelType = config.String("model_type")
            ?? throw new ModelConfigException($"{config.Source}: field 'model_type' is missing (supported: {string.Join(", ", Supported.Keys)}).");
        if (!Supported.TryGetValue(modelType, out var family))
        {
            throw new ModelConfigException($"{config.Source}: model_type '{modelType}' is not supported (supported: {string.Join(", ", Supported.Keys)}).");
        }
        if (expected is { } want && family != want)
        {
            var fitting = Supported.Where(p => p.Value == want).Select(p => p.Key);
            throw new ModelConfigException($"{config.Source}: model_type '{modelType}' is a {family} model, not a {want} model (supported here: {string.Join(", ", fitting)}).");
        }
        return modelType;
    }

    internal static JsonObject ConfigOf(Checkpoint checkpoint) =>
        checkpoint.Config ?? throw new ModelConfigException($"{checkpoint.Directory}: no config.json; the inference engine builds the model from it.");
}
