using Google.Protobuf;

namespace SwarmMerge.Inference.Tokenization;

/// <summary>
/// Writes SentencePiece <c>ModelProto</c> bytes (sentencepiece_model.proto) for Microsoft.ML.Tokenizers'
/// <see cref="Microsoft.ML.Tokenizers.SentencePieceTokenizer"/>, which only loads protobuf models:
/// a minimal model for a tokenizer.json Unigram vocabulary (normalization off except the precompiled
/// charsmap; the caller runs the rest of the tokenizer.json pipeline), and a patch for models without
/// BOS/EOS pieces (T5: bos_id = -1), which Microsoft.ML.Tokenizers 2.0.1's Unigram model cannot load.
/// </summary>
internal static class SentencePieceModelWriter
{
    /// <summary>sentencepiece_model.proto SentencePiece.Type values.</summary>
    public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6 }

    private const int UnigramModelType = 1;

    public static byte[] WriteUnigram(IReadOnlyList<(string Piece, float Score, PieceType Type)> pieces, int unknownId, bool byteFallback, byte[] precompiledCharsmap)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (piece, score, type) in pieces)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(Message(o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString(piece);
                o.WriteTag(2, WireFormat.WireType.Fixed32);
                o.WriteFloat(score);
                o.WriteTag(3, WireFormat.WireType.Varint);
                o.WriteEnum((int)type);
            }));
        }

        output.WriteTag(2, WireFormat.WireType.LengthDelimited); // trainer_spec
        output.WriteBytes(Message(o =>
        {
            WriteInt(o, 3, UnigramModelType);
            WriteInt(o, 4, pieces.Count);
            WriteInt(o, 35, byteFallback ? 1 : 0);
            WriteInt(o, 40, unknownId);
            WriteInt(o, 43, -1);
            WriteAbsentBosEos(o, bos: true, eos: true, unknownId, pieces[unknownId].Piece);
        }));
        output.WriteTag(3, WireFormat.WireType.LengthDelimited); // normalizer_spec
        output.WriteBytes(Message(o =>
        {
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(precompiledCharsmap));
            WriteInt(o, 3, 0); // add_dummy_prefix
            WriteInt(o, 4, 0); // remove_extra_whitespaces
            WriteInt(o, 5, 0); // escape_whitespaces
        }));
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>
    /// Returns <paramref name="model"/> with bos_id/eos_id pointed at the unknown piece when they are
    /// absent (negative). Protobuf merges a repeated embedded message, so appending a trainer_spec with
    /// just those fields overrides them. The ids are never emitted: encoding never adds BOS/EOS itself.
    /// </summary>
    public static byte[] WithBosEosPresent(byte[] model)
    {
        int unknownId = 0, bosId = 1, eosId = 2;
        string unknownPiece = "<unk>";
        var input = new CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 2 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }

            var spec = new CodedInputStream(input.ReadBytes().ToByteArray());
            while ((tag = spec.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 40: unknownId = spec.ReadInt32(); break;
                    case 41: bosId = spec.ReadInt32(); break;
                    case 42: eosId = spec.ReadInt32(); break;
                    case 45: unknownPiece = spec.ReadString(); break;
                    default: spec.SkipLastField(); break;
                }
            }
        }

        if (bosId >= 0 && eosId >= 0) return model;
        ByteString patch = Message(o => WriteAbsentBosEos(o, bosId < 0, eosId < 0, unknownId, unknownPiece));
        using var buffer = new MemoryStream();
        buffer.Write(model);
        var output = new CodedOutputStream(buffer);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(patch);
        output.Flush();
        return buffer.ToArray();
    }

    private static void WriteAbsentBosEos(CodedOutputStream o, bool bos, bool eos, int unknownId, string unknownPiece)
    {
        if (bos)
        {
            WriteInt(o, 41, unknownId);
            o.WriteTag(46, WireFormat.WireType.LengthDelimited);
            o.WriteString(unknownPiece);
        }

        if (eos)
        {
            WriteInt(o, 42, unknownId);
            o.WriteTag(47, WireFormat.WireType.LengthDelimited);
            o.WriteString(unknownPiece);
        }
    }

    private static void WriteInt(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    private static ByteString Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return ByteString.CopyFrom(buffer.ToArray());
    }
}
