namespace SwarmMerge.IO;

/// <summary>Element types of the safetensors format.</summary>
public enum TensorDType
{
    /// <summary>Boolean, one byte.</summary>
    Bool,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE half precision.</summary>
    F16,
    /// <summary>bfloat16 (the top 16 bits of an fp32).</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE single precision.</summary>
    F32,
    /// <summary>IEEE double precision.</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8E4M3,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,
}

/// <summary>Names, sizes and categories of <see cref="TensorDType"/> values.</summary>
public static class TensorDTypes
{
    private static readonly (TensorDType Type, string Name, int Size)[] Table =
    [
        (TensorDType.Bool, "BOOL", 1), (TensorDType.U8, "U8", 1), (TensorDType.I8, "I8", 1),
        (TensorDType.I16, "I16", 2), (TensorDType.U16, "U16", 2), (TensorDType.F16, "F16", 2),
        (TensorDType.BF16, "BF16", 2), (TensorDType.I32, "I32", 4), (TensorDType.U32, "U32", 4),
        (TensorDType.F32, "F32", 4), (TensorDType.F64, "F64", 8), (TensorDType.I64, "I64", 8),
        (TensorDType.U64, "U64", 8), (TensorDType.F8E4M3, "F8_E4M3", 1), (TensorDType.F8E5M2, "F8_E5M2", 1),
    ];

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this TensorDType type) => Table[(int)type].Size;

    /// <summary>The dtype's name in a safetensors header.</summary>
    public static string SafetensorsName(this TensorDType type) => Table[(int)type].Name;

    /// <summary>Parses a safetensors header dtype name (case-sensitive, as the format defines it).</summary>
    public static bool TryParseSafetensorsName(string name, out TensorDType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                type = entry.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>True for the float types that merges compute on (F32, F16, BF16); every other type is passed through.</summary>
    public static bool IsMergeable(this TensorDType type) =>
        type is TensorDType.F32 or TensorDType.F16 or TensorDType.BF16;

    /// <summary>
    /// Parses a dtype as mergekit configs and Hugging Face configs name it
    /// (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>, and the short forms <c>fp32</c>, <c>bf16</c>, <c>fp16</c>, <c>half</c>, <c>float</c>).
    /// </summary>
    public static bool TryParseTorchName(string name, out TensorDType type)
    {
        type = name.Trim().ToLowerInvariant().Replace("torch.", "") switch
        {
            "float32" or "fp32" or "float" or "f32" => TensorDType.F32,
            "bfloat16" or "bf16" => TensorDType.BF16,
            "float16" or "fp16" or "half" or "f16" => TensorDType.F16,
            _ => (TensorDType)(-1),
        };
        return (int)type >= 0;
    }

    /// <summary>The name Hugging Face writes in <c>config.json</c>'s <c>torch_dtype</c>.</summary>
    public static string TorchName(this TensorDType type) => type switch
    {
        TensorDType.F32 => "float32",
        TensorDType.BF16 => "bfloat16",
        TensorDType.F16 => "float16",
        _ => throw new ArgumentException($"{type} is not a floating merge dtype.", nameof(type)),
    };
}
