using System.Text;
using System.Text.Json;

namespace SwarmMerge.IO;

/// <summary>
/// The parsed, validated header of a safetensors file: its tensors in data order and its metadata.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The largest header the format allows (100 MB, as the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors ordered by their position in the data section.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Parses and validates a header: UTF-8 JSON object, known dtypes, non-negative shapes, byte lengths
    /// equal to dtype size × element count, no duplicate names, and offsets that tile the data section
    /// exactly (no overlap, no gap, nothing outside it).
    /// </summary>
    /// <param name="json">The header bytes (after the 8-byte length).</param>
    /// <param name="dataLength">Bytes in the data section that follows the header.</param>
    /// <param name="path">File path, for error messages.</param>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        JsonDocument document;
        try
        {
            // Strict UTF-8 first: JsonDocument would reject bad bytes too, but with a less direct message.
            new UTF8Encoding(false, true).GetCharCount(json);
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is DecoderFallbackException or JsonException)
        {
            throw new SafetensorsFormatException(path, null, $"header is not UTF-8 JSON ({(e is JsonException parse ? JsonErrors.Describe(parse) : e.Message)})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, null, "header is not a JSON object");
            }

            var tensors = new List<TensorInfo>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafetensorsFormatException(path, property.Name, "duplicate tensor name in header");
                }
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, path);
                    continue;
                }
                tensors.Add(ReadEntry(property.Name, property.Value, dataLength, path));
            }

            tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
            long expected = 0;
            foreach (var tensor in tensors)
            {
                if (tensor.DataBegin < expected)
                {
                    throw new SafetensorsFormatException(path, tensor.Name, $"data offsets [{tensor.DataBegin}, {tensor.DataEnd}] overlap the previous tensor (which ends at {expected})");
                }
                if (tensor.DataBegin > expected)
                {
                    throw new SafetensorsFormatException(path, tensor.Name, $"data offsets [{tensor.DataBegin}, {tensor.DataEnd}] leave a gap after byte {expected} of the data section");
                }
                expected = tensor.DataEnd;
            }
            if (expected != dataLength)
            {
                throw new SafetensorsFormatException(path, null, $"the data section has {dataLength} bytes but the tensors cover {expected}");
            }
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, null, "__metadata__ is not an object of strings");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(path, null, $"__metadata__ value '{item.Name}' is not a string");
            }
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static TensorInfo ReadEntry(string name, JsonElement entry, long dataLength, string path)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, name, "header entry is not an object");
        }
        // The reference reader (serde) refuses a field given twice; taking the last one would mislabel the tensor.
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in entry.EnumerateObject())
        {
            if (!fields.Add(field.Name))
            {
                throw new SafetensorsFormatException(path, name, $"field '{field.Name}' appears twice in the header entry");
            }
        }
        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(path, name, "missing string field 'dtype'");
        }
        string dtypeName = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParseSafetensorsName(dtypeName, out var dtype))
        {
            throw new SafetensorsFormatException(path, name, $"unknown dtype '{dtypeName}'");
        }

        long[] shape = ReadIntegers(entry, "shape", name, path);
        long[] offsets = ReadIntegers(entry, "data_offsets", name, path);
        if (offsets.Length != 2)
        {
            throw new SafetensorsFormatException(path, name, "'data_offsets' must have two entries");
        }
        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > dataLength)
        {
            throw new SafetensorsFormatException(path, name, $"data offsets [{begin}, {end}] lie outside the data section of {dataLength} bytes");
        }

        long elements = 1;
        try
        {
            foreach (long dim in shape)
            {
                elements = checked(elements * dim);
            }
            long bytes = checked(elements * dtype.SizeOf());
            if (bytes != end - begin)
            {
                throw new SafetensorsFormatException(path, name, $"byte length {end - begin} does not equal {dtypeName} size {dtype.SizeOf()} × shape [{string.Join(", ", shape)}] = {bytes}");
            }
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(path, name, $"shape [{string.Join(", ", shape)}] overflows");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string name, string path)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, name, $"missing array field '{field}'");
        }
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw new SafetensorsFormatException(path, name, $"'{field}' must hold non-negative integers");
            }
            values[i++] = value;
        }
        return values;
    }
}
