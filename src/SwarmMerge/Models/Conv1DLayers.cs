using System.Text.Json.Nodes;

namespace SwarmMerge.Models;

/// <summary>
/// Which weights are stored by transformers' <c>Conv1D</c> ([in, out], the transpose of a Linear layer): the attention
/// and MLP projections of GPT-2 and the models built from it. PEFT picks a LoRA layer's layout by the module's type
/// (overriding <c>fan_in_fan_out</c>), and tensor names alone cannot show a type, so the architectures are listed here:
/// those with Conv1D projections, and the Llama-style decoders the engine runs, whose projections (Phi-3's fused
/// <c>qkv_proj</c> and <c>gate_up_proj</c> included) are all <c>nn.Linear</c>.
/// </summary>
public static class Conv1DLayers
{
    private static readonly string[] ModelTypes = ["gpt2", "openai-gpt", "imagegpt", "decision_transformer"];
    private static readonly string[] Modules = ["c_attn", "c_proj", "c_fc", "q_attn"];
    private static readonly string[] LinearModelTypes = ["llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", "gemma3_text"];

    /// <summary>True or false for an architecture in the lists; null when the config does not tell (other architectures).</summary>
    public static bool? IsConv1D(JsonObject? config, string tensorName)
    {
        string? type = config?["model_type"]?.ToString();
        if (type is not null && LinearModelTypes.Contains(type))
        {
            return false;
        }
        if (type is null || !ModelTypes.Contains(type))
        {
            return null;
        }
        var parts = tensorName.Split('.');
        return parts.Length >= 2 && parts[^1] == "weight" && Modules.Contains(parts[^2]);
    }
}
