namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Splits text around added tokens the way Hugging Face's AddedVocabulary does: the leftmost match
/// wins, and among matches at the same position the longest; lstrip/rstrip tokens swallow the
/// whitespace next to them.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>The pieces of <paramref name="text"/> in order: plain text (token null) or an added token.</summary>
    public List<(string Text, AddedToken? Token)> Split(string text)
    {
        var pieces = new List<(string, AddedToken?)>();
        int start = 0;
        for (int i = 0; i < text.Length;)
        {
            AddedToken? token = MatchAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }

            int left = i, right = i + token.Content.Length;
            if (token.LStrip)
            {
                while (left > start && char.IsWhiteSpace(text[left - 1])) left--;
            }

            if (token.RStrip)
            {
                while (right < text.Length && char.IsWhiteSpace(text[right])) right++;
            }

            if (left > start) pieces.Add((text[start..left], null));
            pieces.Add((text[left..right], token));
            i = start = right;
        }

        if (start < text.Length) pieces.Add((text[start..], null));
        return pieces;
    }

    private AddedToken? MatchAt(string text, int index)
    {
        if (!_byFirstChar.TryGetValue(text[index], out AddedToken[]? candidates)) return null;
        foreach (AddedToken token in candidates)
        {
            if (string.CompareOrdinal(text, index, token.Content, 0, token.Content.Length) == 0) return token;
        }

        return null;
    }
}
