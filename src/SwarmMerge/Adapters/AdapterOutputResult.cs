namespace SwarmMerge.Adapters;

/// <summary>What an adapter output holds and how close it is to the merged model.</summary>
/// <param name="Directory">The adapter folder.</param>
/// <param name="Rank">The rank of every LoRA layer.</param>
/// <param name="LoraLayers">Number of LoRA layers.</param>
/// <param name="FullTensors">Number of tensors saved in full (modules to save, saved biases).</param>
/// <param name="Exact">True when the adapter is the result exactly (stacked factors); false for a truncated SVD.</param>
/// <param name="RelativeError">‖Δ − B·A‖_F / ‖Δ‖_F over every low-rank tensor together (0 when exact).</param>
/// <param name="WorstRelativeError">The largest relative error of one tensor.</param>
/// <param name="WorstTensor">That tensor, if any.</param>
public sealed record AdapterOutputResult(string Directory, int Rank, int LoraLayers, int FullTensors, bool Exact,
    double RelativeError, double WorstRelativeError, string? WorstTensor)
{
    /// <summary>One line for the user: what was written and how close it is.</summary>
    public string Summary => Exact
        ? $"Wrote adapter {Directory}: rank {Rank}, {LoraLayers} LoRA layers, {FullTensors} full tensors; exact."
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Wrote adapter {Directory}: rank {Rank} (truncated SVD), {LoraLayers} LoRA layers, {FullTensors} full tensors; relative error {RelativeError:G3} (worst: {WorstTensor}, {WorstRelativeError:G3}).");
}
