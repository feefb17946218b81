namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Collapses runs of the unknown id into one, as SentencePiece and Hugging Face Unigram do; Microsoft.ML.Tokenizers
/// emits one unknown id per UTF-16 unit.
/// </summary>
internal static class UnknownFusion
{
    public static void AppendFused(IReadOnlyList<int> source, int unknownId, List<int> ids)
    {
        foreach (int id in source)
        {
            if (id == unknownId && ids.Count > 0 && ids[^1] == unknownId) continue;
            ids.Add(id);
        }
    }
}
