using Microsoft.ML.OnnxRuntime;

namespace SwarmMerge.Inference;

/// <summary>
/// Greedy decoding of one left-padded batch. With the cache, the first step runs the prompts and every later
/// step feeds only the new token, passing the previous step's present keys/values back as the past; without it,
/// every step reruns the whole sequence. Finished rows keep running (their tokens are ignored) until all finish.
/// With longrope, the step at which a row's run first grows past the original context reruns the whole batch, so no
/// key turned by the short factors stays in the cache of a long run (transformers drops the cache there too).
/// </summary>
internal sealed class GreedyGeneration(CausalLanguageModel model, int[][] prompts, HashSet<int> stops, GenerationOptions options, int[] promptIndices)
{
    public int[][] Run()
    {
        int batch = prompts.Length, promptWidth = prompts.Max(p => p.Length);
        int capacity = promptWidth + options.MaxNewTokens;
        var generated = prompts.Select(_ => new List<int>()).ToArray();
        if (options.MaxNewTokens == 0)
        {
            return generated.Select(g => g.ToArray()).ToArray();
        }
        if (prompts.Any(p => p.Length == 0))
        {
            throw new ArgumentException("Every prompt needs at least one token.", nameof(prompts));
        }
        model.CheckLength(capacity - 1);

        // Slot layout per row: [left padding][prompt][generated]; position −1 marks padding.
        var tokens = new long[batch * capacity];
        var positions = new long[batch * capacity];
        positions.AsSpan().Fill(-1);
        for (int b = 0; b < batch; b++)
        {
            int pad = promptWidth - prompts[b].Length;
            for (int t = 0; t < prompts[b].Length; t++)
            {
                tokens[b * capacity + pad + t] = model.CheckToken(prompts[b][t]);
                positions[b * capacity + pad + t] = t;
            }
        }

        var finished = new bool[batch];
        int length = promptWidth, cached = 0;
        IDisposableReadOnlyCollection<OrtValue>? previous = null;
        try
        {
            while (true)
            {
                model.Options.Cancellation.ThrowIfCancellationRequested();
                int start = options.UseCache && !CrossesOriginalContext(positions, length, capacity, batch) ? cached : 0;
                int time = length - start;
                var outputs = model.Step(
                    Slice(tokens, start, length, capacity, batch, clampNegative: false),
                    Slice(positions, start, length, capacity, batch, clampNegative: true),
                    Slice(positions, start, length, capacity, batch, clampNegative: false),
                    Slice(positions, 0, length, capacity, batch, clampNegative: false),
                    Enumerable.Range(1, batch).Select(b => (long)b * time - 1).ToArray(),
                    batch, time, start > 0 && previous is not null ? previous.Skip(1).ToList() : null, wantPresent: options.UseCache);
                previous?.Dispose();
                previous = outputs;
                cached = length;

                for (int b = 0; b < batch; b++)
                {
                    int next = Tensors.ArgMax(Tensors.Row(outputs[0], b, model.VocabSize));
                    tokens[b * capacity + length] = next;
                    positions[b * capacity + length] = positions[b * capacity + length - 1] + 1;
                    if (!finished[b])
                    {
                        generated[b].Add(next);
                        finished[b] = stops.Contains(next)
                            || generated[b].Count >= options.MaxNewTokens
                            || (options.StopWhen?.Invoke(promptIndices[b], generated[b]) ?? false);
                    }
                }
                length++;
                if (finished.All(f => f))
                {
                    break;
                }
            }
        }
        finally
        {
            previous?.Dispose();
        }
        return generated.Select(g => g.ToArray()).ToArray();
    }

    // True when some row's run becomes exactly one longer than the longrope original context with this step (its last
    // slot, the token fed now, is at that position): Phi3ForCausalLM recomputes the cache there.
    private bool CrossesOriginalContext(long[] positions, int length, int capacity, int batch)
    {
        int context = model.RecomputeCacheAfter;
        if (context == 0 || length == 0)
        {
            return false;
        }
        for (int b = 0; b < batch; b++)
        {
            if (positions[b * capacity + length - 1] == context)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Slots [start, end) of every row, optionally with padding positions (−1) turned into 0 for embedding lookups.</summary>
    private static long[] Slice(long[] source, int start, int end, int capacity, int batch, bool clampNegative)
    {
        int width = end - start;
        var result = new long[batch * width];
        for (int b = 0; b < batch; b++)
        {
            source.AsSpan(b * capacity + start, width).CopyTo(result.AsSpan(b * width));
        }
        if (clampNegative)
        {
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = Math.Max(result[i], 0);
            }
        }
        return result;
    }
}
