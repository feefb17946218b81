using Google.Protobuf;

namespace SwarmMerge.Inference.Onnx;

/// <summary>
/// Builds one ONNX graph with readable op helpers. Every helper returns the name of its output value;
/// intermediate names are generated. Small constants become initializers; weights are graph inputs.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>The ONNX opset the graphs target (17: LayerNormalization, attribute-style ReduceMean axes).</summary>
    public const int Opset = 17;

    private readonly GraphProto _graph = new() { Name = "swarmmerge" };
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Declares a graph input; each dimension is a <see cref="long"/> size or a <see cref="string"/> symbol.</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a float input of a fixed shape (a weight).</summary>
    public string Weight(string name, long[] shape) => Input(name, TensorProto.Types.DataType.Float, shape.Cast<object>().ToArray());

    /// <summary>Renames <paramref name="value"/> to <paramref name="name"/> and declares it a graph output.</summary>
    public void Output(string value, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Node("Identity", [value], [name]);
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Op(string opType, string[] inputs, params AttributeProto[] attributes) =>
        Node(opType, inputs, [Fresh(opType)], attributes)[0];

    /// <summary>Adds a node with the given outputs.</summary>
    public string[] Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_counter++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A fresh value name.</summary>
    public string Fresh(string hint) => $"{hint}_{_counter++}";

    /// <summary>An int attribute.</summary>
    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute.</summary>
    public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Attr(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float scalar constant (shared between uses).</summary>
    public string Scalar(float value) => Constant($"f:{value:R}", () => new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } });

    /// <summary>A 1-D float constant.</summary>
    public string Floats(float[] values) => Constant(null, () =>
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, Dims = { values.Length } };
        tensor.FloatData.AddRange(values);
        return tensor;
    });

    /// <summary>A 1-D int64 constant (shapes, axes, indices), shared between uses.</summary>
    public string Ints(params long[] values) => Constant("i:" + string.Join(",", values), () =>
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
        tensor.Int64Data.AddRange(values);
        return tensor;
    });

    private string Constant(string? key, Func<TensorProto> make)
    {
        if (key is not null && _constants.TryGetValue(key, out var existing))
        {
            return existing;
        }
        var tensor = make();
        tensor.Name = Fresh("const");
        _graph.Initializer.Add(tensor);
        if (key is not null)
        {
            _constants[key] = tensor.Name;
        }
        return tensor.Name;
    }

    // ---- op helpers ----

    public string Add(string a, string b) => Op("Add", [a, b]);
    public string Sub(string a, string b) => Op("Sub", [a, b]);
    public string Mul(string a, string b) => Op("Mul", [a, b]);
    public string Div(string a, string b) => Op("Div", [a, b]);
    public string Mul(string a, float b) => Mul(a, Scalar(b));
    public string Add(string a, float b) => Add(a, Scalar(b));
    public string Neg(string x) => Op("Neg", [x]);
    public string Tanh(string x) => Op("Tanh", [x]);
    public string Erf(string x) => Op("Erf", [x]);
    public string Relu(string x) => Op("Relu", [x]);
    public string Sigmoid(string x) => Op("Sigmoid", [x]);
    public string Sqrt(string x) => Op("Sqrt", [x]);
    public string Reciprocal(string x) => Op("Reciprocal", [x]);
    public string Cos(string x) => Op("Cos", [x]);
    public string Sin(string x) => Op("Sin", [x]);
    public string MatMul(string a, string b) => Op("MatMul", [a, b]);
    public string Softmax(string x) => Op("Softmax", [x], Attr("axis", -1L));
    public string Shape(string x) => Op("Shape", [x]);
    public string Gather(string data, string indices, long axis = 0) => Op("Gather", [data, indices], Attr("axis", axis));
    public string Transpose(string x, params long[] perm) => Op("Transpose", [x], Attr("perm", perm));
    public string Reshape(string x, string shape) => Op("Reshape", [x, shape]);
    public string Reshape(string x, params long[] shape) => Reshape(x, Ints(shape));
    public string Unsqueeze(string x, params long[] axes) => Op("Unsqueeze", [x, Ints(axes)]);
    public string Concat(long axis, params string[] inputs) => Op("Concat", inputs, Attr("axis", axis));
    public string CastToFloat(string x) => Op("Cast", [x], Attr("to", (long)TensorProto.Types.DataType.Float));
    public string ReduceMean(string x, long axis) => Op("ReduceMean", [x], Attr("axes", [axis]), Attr("keepdims", 1L));
    public string ReduceMax(string x, long axis) => Op("ReduceMax", [x], Attr("axes", [axis]), Attr("keepdims", 1L));
    public string Greater(string a, string b) => Op("Greater", [a, b]);
    public string Where(string condition, string whenTrue, string whenFalse) => Op("Where", [condition, whenTrue, whenFalse]);

    /// <summary>Splits the last axis into pieces of the given sizes.</summary>
    public string[] Split(string x, long axis, params long[] sizes) =>
        Node("Split", [x, Ints(sizes)], sizes.Select(_ => Fresh("split")).ToArray(), Attr("axis", axis));

    /// <summary>Elements [<paramref name="start"/>, <paramref name="end"/>) of 1-D <paramref name="x"/>.</summary>
    public string Slice(string x, long start, long end) => Op("Slice", [x, Ints(start), Ints(end), Ints(0)]);

    /// <summary>y = x · Wᵀ (+ b) for x [N, in] and a Hugging Face Linear weight W [out, in]: Gemm with transB, no copy of W.</summary>
    public string Linear(string x, string weight, string? bias = null) =>
        Op("Gemm", bias is null ? [x, weight] : [x, weight, bias], Attr("transB", 1L));

    /// <summary>y = x · W (+ b) for x [N, in] and W [in, out] (GPT-2 Conv1D layout).</summary>
    public string Conv1D(string x, string weight, string bias) => Op("Gemm", [x, weight, bias]);

    /// <summary>LayerNormalization over the last axis.</summary>
    public string LayerNorm(string x, string scale, string bias, float epsilon) =>
        Op("LayerNormalization", [x, scale, bias], Attr("axis", -1L), Attr("epsilon", epsilon));

    /// <summary>
    /// RMSNorm as Hugging Face computes it, x / √(mean(x²) + ε) · weight, written as the Pow → ReduceMean → Add → Sqrt →
    /// Div → Mul pattern that ONNX Runtime fuses into one SimplifiedLayerNormalization kernel.
    /// </summary>
    public string RmsNorm(string x, string weight, float epsilon)
    {
        var variance = ReduceMean(Op("Pow", [x, Scalar(2f)]), -1);
        var normalized = Div(x, Sqrt(Add(variance, epsilon)));
        return Mul(normalized, weight);
    }

    /// <summary>A 1-D int64 shape assembled from symbolic parts (1-D int64 values) and fixed sizes.</summary>
    public string ShapeOf(params object[] parts) =>
        parts.All(p => p is long)
            ? Ints(parts.Cast<long>().ToArray())
            : Concat(0, parts.Select(p => p is long n ? Ints(n) : (string)p).ToArray());

    /// <summary>The serialized model.</summary>
    public byte[] ToModelBytes(params (string Domain, int Version)[] extraOpsets)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "SwarmMerge", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (domain, version) in extraOpsets)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }
        return model.ToByteArray();
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => throw new ArgumentException($"Dimension {dim} is neither a size nor a symbol.", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
