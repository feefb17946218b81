using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>
/// The safetensors reader and writer against the format as specified (8-byte little-endian header length,
/// UTF-8 JSON header, data section tiled exactly by the tensors' offsets), and the checkpoint folder reader.
/// </summary>
public sealed class SafetensorsFormatTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // ---------------------------------------------------------------- dtype table

    /// <summary>Names and element sizes from the safetensors specification, written out independently.</summary>
    private static readonly Dictionary<TensorDType, (string Name, int Size)> Spec = new()
    {
        [TensorDType.Bool] = ("BOOL", 1), [TensorDType.U8] = ("U8", 1), [TensorDType.I8] = ("I8", 1),
        [TensorDType.I16] = ("I16", 2), [TensorDType.U16] = ("U16", 2), [TensorDType.F16] = ("F16", 2),
        [TensorDType.BF16] = ("BF16", 2), [TensorDType.I32] = ("I32", 4), [TensorDType.U32] = ("U32", 4),
        [TensorDType.F32] = ("F32", 4), [TensorDType.F64] = ("F64", 8), [TensorDType.I64] = ("I64", 8),
        [TensorDType.U64] = ("U64", 8), [TensorDType.F8E4M3] = ("F8_E4M3", 1), [TensorDType.F8E5M2] = ("F8_E5M2", 1),
    };

    public static TheoryData<TensorDType> AllDTypes() => new(Enum.GetValues<TensorDType>());

    [Fact]
    public void Spec_table_covers_every_dtype()
    {
        Assert.Equal(Enum.GetValues<TensorDType>().Order(), Spec.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Dtype_name_and_size_match_the_specification(TensorDType dtype)
    {
        Assert.Equal(Spec[dtype].Name, dtype.SafetensorsName());
        Assert.Equal(Spec[dtype].Size, dtype.SizeOf());
        Assert.True(TensorDTypes.TryParseSafetensorsName(Spec[dtype].Name, out var parsed));
        Assert.Equal(dtype, parsed);
    }

    // ---------------------------------------------------------------- writer → reader round trip

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Round_trip_keeps_name_dtype_shape_and_bytes(TensorDType dtype)
    {
        int size = Spec[dtype].Size;
        byte[] matrix = Pattern(2 * 3 * size, seed: 1);
        byte[] scalar = Pattern(size, seed: 2);
        string folder = TestModels.Write(_temp["m"],
        [
            new TestTensor("layer.matrix", dtype, [2, 3], Raw: matrix),
            new TestTensor("layer.empty", dtype, [0, 4], Raw: []),
            new TestTensor("layer.scalar", dtype, [], Raw: scalar),
        ]);

        using var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        Assert.Equal(["layer.matrix", "layer.empty", "layer.scalar"], file.Tensors.Select(t => t.Name));
        Assert.All(file.Tensors, t => Assert.Equal(dtype, t.DType));
        Assert.Equal([2L, 3L], file["layer.matrix"].Shape);
        Assert.Equal([0L, 4L], file["layer.empty"].Shape);
        Assert.Empty(file["layer.scalar"].Shape);
        Assert.Equal(0, file["layer.empty"].ElementCount);
        Assert.Equal(1, file["layer.scalar"].ElementCount);

        Assert.Equal(matrix, ReadAll(file, "layer.matrix"));
        Assert.Empty(ReadAll(file, "layer.empty"));
        Assert.Equal(scalar, ReadAll(file, "layer.scalar"));
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Written_header_has_pt_metadata_and_is_space_padded_to_8_bytes(TensorDType dtype)
    {
        string folder = TestModels.Write(_temp["m"], [new TestTensor("w", dtype, [3], Raw: Pattern(3 * Spec[dtype].Size, 3))]);
        byte[] bytes = File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        string json = header.TrimEnd(' ');
        Assert.True(header.Length - json.Length < 8, "padding is shorter than 8 bytes");
        Assert.EndsWith("}", json);
        Assert.Contains("""{"__metadata__":{"format":"pt"}""", json);
        Assert.Contains($"\"dtype\":\"{Spec[dtype].Name}\"", json);
        Assert.Equal(8 + (long)headerLength + 3 * Spec[dtype].Size, bytes.Length);

        using var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        Assert.Equal("pt", file.Header.Metadata["format"]);
        Assert.Equal(8 + (long)headerLength, file.DataStart);
    }

    // ---------------------------------------------------------------- hand-built files

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Reader_accepts_a_hand_built_file(int paddingSpaces)
    {
        // Tensors listed out of data order, header not aligned unless padded, custom metadata.
        string json = """
            {"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},
             "a":{"dtype":"I16","shape":[2,2],"data_offsets":[0,8]},
             "__metadata__":{"origin":"hand"}}
            """ + new string(' ', paddingSpaces);
        var data = new byte[16];
        short[] a = [1, -2, 3, -4];
        for (int i = 0; i < a.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2 * i), a[i]);
        }
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(12), -0.25f);
        string path = WriteFile(json, data);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name));
        Assert.Equal("hand", file.Header.Metadata["origin"]);
        Assert.Equal(TensorDType.I16, file["a"].DType);
        Assert.Equal([2L, 2L], file["a"].Shape);
        byte[] aBytes = ReadAll(file, "a");
        Assert.Equal(a, Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt16LittleEndian(aBytes.AsSpan(2 * i))));

        var b = new float[2];
        using (var view = file.OpenTensor("b"))
        {
            view.ReadFloats(0, b);
        }
        Assert.Equal([1.5f, -0.25f], b);
    }

    [Fact]
    public void Reader_accepts_an_empty_header_with_no_data()
    {
        using var file = SafetensorsFile.Open(WriteFile("{}", []));
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Header.Metadata);
    }

    // ---------------------------------------------------------------- malformed files

    [Fact]
    public void File_shorter_than_8_bytes_is_rejected()
    {
        string path = WriteBytes([1, 2, 3]);
        var ex = OpenFails(path, "3 bytes, too short for the 8-byte header length");
        Assert.Null(ex.Tensor);
    }

    [Fact]
    public void Header_length_beyond_end_of_file_is_rejected()
    {
        var bytes = new byte[8 + 2];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100);
        "{}"u8.CopyTo(bytes.AsSpan(8));
        var ex = OpenFails(WriteBytes(bytes), "header length 100 runs beyond the end of the file (10 bytes)");
        Assert.Null(ex.Tensor);
    }

    [Fact]
    public void Header_that_is_not_UTF8_is_rejected()
    {
        var ex = OpenFails(WriteFile([(byte)'{', 0xFF, (byte)'}'], []), "header is not UTF-8 JSON");
        Assert.Contains("[FF]", ex.Message);
        Assert.Null(ex.Tensor);
    }

    [Fact]
    public void Header_that_is_not_JSON_is_rejected()
    {
        var ex = OpenFails(WriteFile("{not json", []), "header is not UTF-8 JSON");
        Assert.Null(ex.Tensor);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Header_JSON_that_is_not_an_object_is_rejected(string json)
    {
        var ex = OpenFails(WriteFile(json, []), "header is not a JSON object");
        Assert.Null(ex.Tensor);
    }

    [Fact]
    public void Unknown_dtype_is_rejected()
    {
        string json = """{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}""";
        var ex = OpenFails(WriteFile(json, new byte[4]), "unknown dtype 'F12'");
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Dtype_names_are_case_sensitive()
    {
        string json = """{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""";
        var ex = OpenFails(WriteFile(json, new byte[4]), "unknown dtype 'f32'");
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Missing_dtype_is_rejected()
    {
        string json = """{"w":{"shape":[1],"data_offsets":[0,4]}}""";
        var ex = OpenFails(WriteFile(json, new byte[4]), "missing string field 'dtype'");
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Duplicate_tensor_names_are_rejected()
    {
        string json = """
            {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
             "w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}
            """;
        var ex = OpenFails(WriteFile(json, new byte[8]), "duplicate tensor name");
        Assert.Equal("w", ex.Tensor);
    }

    [Theory]
    [InlineData(0, 8)]   // ends past the 4-byte data section
    [InlineData(8, 12)]  // starts past it
    [InlineData(4, 0)]   // end before begin
    public void Data_offsets_outside_the_data_section_are_rejected(long begin, long end)
    {
        string json = $$$"""{"w":{"dtype":"U8","shape":[{{{Math.Max(0, end - begin)}}}],"data_offsets":[{{{begin}}},{{{end}}}]}}""";
        var ex = OpenFails(WriteFile(json, new byte[4]), $"data offsets [{begin}, {end}] lie outside the data section of 4 bytes");
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        string json = """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}
            """;
        var ex = OpenFails(WriteFile(json, new byte[12]), "overlap the previous tensor");
        Assert.Equal("b", ex.Tensor);
    }

    [Fact]
    public void Gap_between_tensors_is_rejected()
    {
        string json = """
            {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
             "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}
            """;
        var ex = OpenFails(WriteFile(json, new byte[12]), "leave a gap after byte 4");
        Assert.Equal("b", ex.Tensor);
    }

    [Fact]
    public void Gap_before_the_first_tensor_is_rejected()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        var ex = OpenFails(WriteFile(json, new byte[8]), "leave a gap after byte 0");
        Assert.Equal("a", ex.Tensor);
    }

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_rejected()
    {
        string json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        var ex = OpenFails(WriteFile(json, new byte[8]), "the data section has 8 bytes but the tensors cover 4");
        Assert.Null(ex.Tensor);
    }

    [Fact]
    public void Byte_length_different_from_dtype_size_times_shape_is_rejected()
    {
        string json = """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""";
        var ex = OpenFails(WriteFile(json, new byte[8]), "byte length 8 does not equal F32 size 4 × shape [3] = 12");
        Assert.Equal("w", ex.Tensor);
    }

    [Theory]
    [InlineData("[-1]")]
    [InlineData("[2.5]")]
    [InlineData("[\"2\"]")]
    public void Shape_entries_that_are_not_non_negative_integers_are_rejected(string shape)
    {
        string json = $$$"""{"w":{"dtype":"U8","shape":{{{shape}}},"data_offsets":[0,2]}}""";
        var ex = OpenFails(WriteFile(json, new byte[2]), "'shape' must hold non-negative integers");
        Assert.Equal("w", ex.Tensor);
    }

    [Fact]
    public void Missing_data_offsets_are_rejected()
    {
        string json = """{"w":{"dtype":"U8","shape":[2]}}""";
        var ex = OpenFails(WriteFile(json, new byte[2]), "missing array field 'data_offsets'");
        Assert.Equal("w", ex.Tensor);
    }

    // ---------------------------------------------------------------- checkpoint folders

    [Fact]
    public void Checkpoint_opens_a_single_file_folder()
    {
        float[] embed = [1, 2, 3, 4, 5, 6];
        float[] norm = [0.5f, -0.5f];
        string folder = TestModels.Write(_temp["m"],
        [
            new TestTensor("model.embed_tokens.weight", TensorDType.F32, [3, 2], embed),
            new TestTensor("model.norm.weight", TensorDType.BF16, [2], norm),
        ]);

        using var checkpoint = Checkpoint.Open(folder);
        Assert.Equal(Path.GetFullPath(folder), checkpoint.Directory);
        Assert.Equal(["model.embed_tokens.weight", "model.norm.weight"], checkpoint.Tensors.Select(t => t.Name));
        Assert.Equal(embed, TestModels.ReadFloats(checkpoint, "model.embed_tokens.weight"));
        Assert.Equal(norm, TestModels.ReadFloats(checkpoint, "model.norm.weight"));
        Assert.Equal("llama", (string?)checkpoint.Config!["model_type"]);
        Assert.False(File.Exists(Path.Combine(folder, Checkpoint.IndexFileName)));
    }

    [Fact]
    public void Sharded_checkpoint_is_split_greedily_and_named_as_hugging_face_does()
    {
        // Sizes 16, 8, 32, 4, 12 bytes with shards of at most 24: {a, b} {c (alone, over the limit)} {d, e}.
        string folder = WriteShardedModel();

        var files = Directory.GetFiles(folder, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], files);
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")));
    }

    [Fact]
    public void Sharded_checkpoint_index_has_total_size_and_maps_each_tensor_to_its_shard()
    {
        string folder = WriteShardedModel();

        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "model.safetensors.index.json")));
        Assert.Equal(16 + 8 + 32 + 4 + 12, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var expected = new Dictionary<string, string>
        {
            ["a"] = "model-00001-of-00003.safetensors",
            ["b"] = "model-00001-of-00003.safetensors",
            ["c"] = "model-00002-of-00003.safetensors",
            ["d"] = "model-00003-of-00003.safetensors",
            ["e"] = "model-00003-of-00003.safetensors",
        };
        Assert.Equal(expected.OrderBy(p => p.Key), weightMap.OrderBy(p => p.Key));
        foreach (var (tensor, shard) in weightMap)
        {
            using var file = SafetensorsFile.Open(Path.Combine(folder, shard));
            Assert.True(file.Contains(tensor), $"{shard} should hold {tensor}");
        }
    }

    [Fact]
    public void Sharded_checkpoint_reads_every_tensor_back()
    {
        string folder = WriteShardedModel();

        using var checkpoint = Checkpoint.Open(folder);
        Assert.Equal(["a", "b", "c", "d", "e"], checkpoint.Tensors.Select(t => t.Name));
        foreach (var (name, count) in ShardedSizes)
        {
            Assert.Equal(Values(name, count), TestModels.ReadFloats(checkpoint, name));
        }
        Assert.EndsWith("model-00002-of-00003.safetensors", checkpoint.FileOf("c").Path);
    }

    [Fact]
    public void Index_shard_path_with_parent_segments_is_rejected()
    {
        string folder = WriteRenamedShard();
        File.Copy(Path.Combine(folder, "part.safetensors"), _temp["x.safetensors"]); // exists, but outside
        WriteIndex(folder, ("w", "../x.safetensors"));

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        AssertNames(ex, Path.Combine(folder, Checkpoint.IndexFileName), "w", "shard path '../x.safetensors' escapes the checkpoint folder");
    }

    [Fact]
    public void Index_shard_path_that_is_absolute_is_rejected()
    {
        string folder = WriteRenamedShard();
        string outside = _temp["x.safetensors"];
        File.Copy(Path.Combine(folder, "part.safetensors"), outside);
        WriteIndex(folder, ("w", outside));

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        AssertNames(ex, Path.Combine(folder, Checkpoint.IndexFileName), "w", "escapes the checkpoint folder");
    }

    [Fact]
    public void Index_listing_a_missing_shard_is_rejected()
    {
        string folder = WriteRenamedShard();
        WriteIndex(folder, ("w", "nope.safetensors"));

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        AssertNames(ex, Path.Combine(folder, Checkpoint.IndexFileName), "w", "shard 'nope.safetensors' does not exist");
    }

    [Fact]
    public void Index_listing_a_tensor_absent_from_its_shard_is_rejected()
    {
        string folder = WriteRenamedShard();
        WriteIndex(folder, ("w", "part.safetensors"), ("ghost", "part.safetensors"));

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        AssertNames(ex, Path.Combine(folder, "part.safetensors"), "ghost", "listed in model.safetensors.index.json but absent from the shard");
    }

    [Fact]
    public void Index_with_a_duplicate_tensor_name_is_a_format_error()
    {
        string folder = WriteRenamedShard();
        File.WriteAllText(Path.Combine(folder, Checkpoint.IndexFileName),
            """{"metadata":{"total_size":8},"weight_map":{"w":"part.safetensors","w":"part.safetensors"}}""");

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        Assert.Contains(Checkpoint.IndexFileName, ex.Message);
    }

    [Fact]
    public void Folder_with_only_pickled_weights_is_rejected_with_the_reason()
    {
        string folder = _temp["m"];
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [0x80, 0x02]);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        Assert.Equal(Path.GetFullPath(folder), ex.FilePath);
        Assert.Contains("pickled", ex.Message);
        Assert.Contains("pytorch_model.bin", ex.Message);
    }

    [Fact]
    public void Folder_without_weights_is_rejected()
    {
        string folder = _temp["m"];
        Directory.CreateDirectory(folder);

        var ex = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(folder));
        Assert.Equal(Path.GetFullPath(folder), ex.FilePath);
        Assert.Contains("no model.safetensors or model.safetensors.index.json", ex.Message);
    }

    [Fact]
    public void Missing_folder_throws_DirectoryNotFoundException()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Open(_temp["absent"]));
        Assert.Contains(_temp["absent"], ex.Message);
    }

    [Theory]
    [InlineData("""{"model_type":"llama","tie_word_embeddings":true}""", true)]
    [InlineData("""{"model_type":"gpt2","tie_word_embeddings":false}""", false)]
    [InlineData("""{"model_type":"llama"}""", false)]
    [InlineData("""{"model_type":"gpt2"}""", true)]
    [InlineData("""{"model_type":"gpt_neox"}""", false)]
    [InlineData("""{"model_type":"t5"}""", true)]
    [InlineData("""{"model_type":7}""", true)]
    public void TieWordEmbeddings_follows_config_then_model_type_default(string config, bool expected)
    {
        string folder = TestModels.Write(_temp["m"], [new TestTensor("w", TensorDType.F32, [1], [1f])], (JsonObject)JsonNode.Parse(config)!);
        using var checkpoint = Checkpoint.Open(folder);
        Assert.Equal(expected, checkpoint.TieWordEmbeddings);
    }

    // ---------------------------------------------------------------- helpers

    private static readonly (string Name, int Count)[] ShardedSizes = [("a", 4), ("b", 2), ("c", 8), ("d", 1), ("e", 3)];

    private static float[] Values(string name, int count) => Enumerable.Range(0, count).Select(i => name[0] * 10f + i).ToArray();

    private string WriteShardedModel() =>
        TestModels.Write(_temp["sharded"],
            ShardedSizes.Select(s => new TestTensor(s.Name, TensorDType.F32, [s.Count], Values(s.Name, s.Count))),
            maxShardBytes: 24);

    /// <summary>A one-tensor model whose file is renamed to part.safetensors, ready for a hand-written index.</summary>
    private string WriteRenamedShard()
    {
        string folder = TestModels.Write(_temp["m"], [new TestTensor("w", TensorDType.F32, [2], [1f, 2f])]);
        File.Move(Path.Combine(folder, "model.safetensors"), Path.Combine(folder, "part.safetensors"));
        return folder;
    }

    private static void WriteIndex(string folder, params (string Tensor, string Shard)[] entries)
    {
        var weightMap = new JsonObject();
        foreach (var (tensor, shard) in entries)
        {
            weightMap[tensor] = shard;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 8 }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(folder, Checkpoint.IndexFileName), index.ToJsonString());
    }

    private static void AssertNames(SafetensorsFormatException ex, string path, string tensor, string problem)
    {
        Assert.Equal(Path.GetFullPath(path), ex.FilePath);
        Assert.Equal(tensor, ex.Tensor);
        Assert.Contains(Path.GetFullPath(path), ex.Message);
        Assert.Contains($"'{tensor}'", ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 37 + seed * 101 + 1)).ToArray();

    private static byte[] ReadAll(SafetensorsFile file, string name)
    {
        using var view = file.OpenTensor(name);
        return view.Bytes(0, (int)view.Info.ByteLength).ToArray();
    }

    private string WriteFile(string headerJson, byte[] data) => WriteFile(Encoding.UTF8.GetBytes(headerJson), data);

    /// <summary>8-byte little-endian header length, the header bytes, then the data section.</summary>
    private string WriteFile(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return WriteBytes(bytes);
    }

    private string WriteBytes(byte[] bytes)
    {
        string path = _temp["bad.safetensors"];
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Opening fails with a message that names the file and says <paramref name="problem"/>.</summary>
    private static SafetensorsFormatException OpenFails(string path, string problem)
    {
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.Contains(problem, ex.Message);
        if (ex.Tensor is not null)
        {
            Assert.Contains($"tensor '{ex.Tensor}'", ex.Message);
        }
        return ex;
    }
}
