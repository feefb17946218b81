using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Numerics;
using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;
using SwarmMerge.Search;

namespace SwarmMerge.Tests.Search;

public sealed class MaterializerTests
{
    [Theory]
    [InlineData(Granularity.Model, TensorDType.F32)]
    [InlineData(Granularity.Layer, TensorDType.F32)]
    [InlineData(Granularity.TensorKind, TensorDType.BF16)]
    public void Materialized_weights_equal_the_affine_combination_of_the_members_computed_directly(Granularity granularity, TensorDType dtype)
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2, dtype);
        using var materializer = SwarmMaterializer.Open(members, granularity, threads: 2);
        var space = materializer.Space;
        Assert.Equal(5, space.MemberCount);

        // Coefficients summing to 1 per group, some negative, a different row per group.
        var point = new double[space.Dimension];
        for (int g = 0; g < space.GroupCount; g++)
        {
            double[] row = [0.3 - g * 0.05, 0.4, -0.2 + g * 0.1, 0.35, 0.15 - g * 0.05];
            row.CopyTo(point, g * space.MemberCount);
        }
        Assert.True(space.AffineError(point) < 1e-12);

        var output = materializer.Tensors.ToDictionary(t => t.Name, t => new float[t.ElementCount]);
        materializer.Materialize(point, name => output[name]);

        using var baseModel = Checkpoint.Open(members.BaseModel);
        var experts = members.Experts.Select(Checkpoint.Open).ToList();
        try
        {
            foreach (var tensor in materializer.Tensors)
            {
                var row = space.Row(point, materializer.Groups.Of(tensor.Name)).ToArray();
                var expected = Direct(members, tensor.Name, TestModels.ReadFloats(baseModel, tensor.Name), experts.Select(e => TestModels.ReadFloats(e, tensor.Name)).ToList(), row);
                var actual = output[tensor.Name];
                for (int j = 0; j < expected.Length; j++)
                {
                    Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-5 * (1 + Math.Abs(expected[j])), $"{tensor.Name}[{j}]: {actual[j]} vs {expected[j]}");
                }
            }
        }
        finally
        {
            experts.ForEach(e => e.Dispose());
        }
    }

    // θ = Σⱼ cⱼ·memberⱼ with member = base, expertᵢ, base + keep(τᵢ)/(1 − p): the definition, element by element, in double.
    private static double[] Direct(SwarmMembers members, string name, float[] baseValues, List<float[]> experts, double[] c)
    {
        int n = experts.Count;
        double keep = 1 - members.DropRate;
        var result = new double[baseValues.Length];
        for (int j = 0; j < result.Length; j++)
        {
            double value = c[0] * baseValues[j];
            for (int i = 0; i < n; i++)
            {
                double tau = experts[i][j] - baseValues[j];
                value += c[1 + i] * experts[i][j];
                bool kept = CounterRandom.Keep(CounterRandom.StreamKey(members.SparsifySeed, name, i + 1), j, keep);
                value += c[1 + n + i] * (baseValues[j] + (kept ? tau / keep : 0));
            }
            result[j] = value;
        }
        return result;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Chunked_materialization_with_reused_buffers_is_bit_identical_to_one_pass_over_each_whole_tensor(int threads)
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2, TensorDType.BF16);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Layer, threads);
        // The embedding is longer than a chunk (a full chunk, then a short one); the small tensors after it reuse its buffers.
        Assert.InRange(materializer.Tensors[0].ElementCount, SwarmMaterializer.ChunkElements + 1, 2L * SwarmMaterializer.ChunkElements - 1);
        using var baseModel = Checkpoint.Open(members.BaseModel);
        var experts = members.Experts.Select(Checkpoint.Open).ToList();
        try
        {
            var random = new SearchRandom(3);
            for (int candidate = 0; candidate < 3; candidate++)
            {
                var point = new RandomSearch(materializer.Space, new RandomSearchSettings()).Draw(random);
                var output = materializer.Tensors.ToDictionary(t => t.Name, t => new float[t.ElementCount]);
                materializer.Materialize(point, name => output[name]);
                foreach (var tensor in materializer.Tensors)
                {
                    var row = materializer.Space.Row(point, materializer.Groups.Of(tensor.Name)).ToArray();
                    var expected = WholeTensorMix(members, tensor.Name, TestModels.ReadFloats(baseModel, tensor.Name), experts.Select(e => TestModels.ReadFloats(e, tensor.Name)).ToList(), row);
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), output[tensor.Name].Select(BitConverter.SingleToInt32Bits));
                }
            }
        }
        finally
        {
            experts.ForEach(e => e.Dispose());
        }
    }

    // The materializer's fp32 arithmetic in its order, each step over the whole tensor at once (no chunks, no scratch):
    // θ = (Σc)·θ₀, then per expert + cᵢ·τᵢ and + c_{n+i}·mask(τᵢ/keep).
    private static float[] WholeTensorMix(SwarmMembers members, string name, float[] baseValues, List<float[]> experts, double[] c)
    {
        int n = experts.Count;
        float keep = (float)(1 - members.DropRate);
        var output = new float[baseValues.Length];
        var delta = new float[baseValues.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(baseValues, (float)c.Sum(), output);
        for (int i = 0; i < n; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Subtract(experts[i], baseValues, delta);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(delta, (float)c[1 + i], output, output);
            ulong key = members.MaskKey(name, i);
            for (int j = 0; j < delta.Length; j++)
            {
                delta[j] = CounterRandom.Keep(key, j, 1 - members.DropRate) ? delta[j] / keep : 0;
            }
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(delta, (float)c[1 + n + i], output, output);
        }
        return output;
    }

    [Fact]
    public void A_corner_is_its_member_and_the_sparsified_expert_keeps_about_one_entry_in_five()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 1);
        using var materializer = SwarmMaterializer.Open(members);
        const string Name = "model.embed_tokens.weight";
        var expert = new float[280_000];
        var sparse = new float[280_000];
        materializer.MaterializeTensor(Name, materializer.Space.Corner(1), expert);
        materializer.MaterializeTensor(Name, materializer.Space.Corner(2), sparse);
        using var baseModel = Checkpoint.Open(members.BaseModel);
        using var expertModel = Checkpoint.Open(members.Experts[0]);
        var baseValues = TestModels.ReadFloats(baseModel, Name);
        var expertValues = TestModels.ReadFloats(expertModel, Name);
        Assert.All(Enumerable.Range(0, expert.Length), j => Assert.Equal(expertValues[j], expert[j], 5));
        int kept = Enumerable.Range(0, sparse.Length).Count(j => Math.Abs(sparse[j] - baseValues[j]) > 1e-6);
        Assert.InRange(kept / (double)sparse.Length, 0.19, 0.21);
        int j0 = Enumerable.Range(0, sparse.Length).First(j => Math.Abs(sparse[j] - baseValues[j]) > 1e-6);
        Assert.Equal(baseValues[j0] + (expertValues[j0] - baseValues[j0]) / 0.2f, sparse[j0], 4);
    }

    [Fact]
    public void A_written_checkpoint_holds_the_materialized_weights_and_the_bases_unmerged_tensors()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Layer);
        Assert.Equal(["score.weight"], materializer.Unmerged);
        var point = new RandomSearch(materializer.Space, new RandomSearchSettings()).Draw(new SearchRandom(1));
        var candidate = new Candidate("random", 0, 0, point);
        materializer.WriteCheckpoint(candidate, folder["out"], maxShardBytes: 600_000);

        using var written = Checkpoint.Open(folder["out"]);
        using var baseModel = Checkpoint.Open(members.BaseModel);
        Assert.True(File.Exists(Path.Combine(folder["out"], Checkpoint.IndexFileName)));
        Assert.True(File.Exists(Path.Combine(folder["out"], "config.json")));
        Assert.True(File.Exists(Path.Combine(folder["out"], "swarmmerge_candidate.json")));
        Assert.Equal(TestModels.ReadBytes(baseModel, "score.weight"), TestModels.ReadBytes(written, "score.weight"));
        foreach (var tensor in materializer.Tensors)
        {
            var expected = new float[tensor.ElementCount];
            materializer.MaterializeTensor(tensor.Name, point, expected);
            Assert.Equal(expected, TestModels.ReadFloats(written, tensor.Name));
        }
    }

    [Fact]
    public void A_candidates_checkpoint_is_the_affine_merge_of_its_coefficients_written_as_a_config()
    {
        using var folder = new TestModels.TempFolder();
        var members = SearchTestKit.WriteSwarm(folder, experts: 2, TensorDType.BF16, heads: false);
        using var materializer = SwarmMaterializer.Open(members, Granularity.Model, threads: 2);
        double[] point = [0.2, 0.5, -0.1, 0.25, 0.15]; // base, expert1, expert2, sparse1, sparse2
        materializer.WriteCheckpoint(new Candidate("pso", 1, 0, point), folder["search"]);

        string yaml = $"merge_method: affine\nbase_model: {members.BaseModel}\nparameters: {{base_weight: 0.2, drop_rate: {members.DropRate}}}\nmodels:\n"
            + $"  - model: {members.Experts[0]}\n    parameters: {{weight: 0.5, sparse_weight: 0.25}}\n"
            + $"  - model: {members.Experts[1]}\n    parameters: {{weight: -0.1, sparse_weight: 0.15}}\n";
        using (var plan = MergePlanner.Create(MergeConfigParser.Parse(yaml, "affine.yml"), folder.Path))
        {
            MergeExecutor.Run(plan, folder["merge"], new MergeOptions { Seed = members.SparsifySeed, Threads = 1 });
        }

        using var search = Checkpoint.Open(folder["search"]);
        using var merge = Checkpoint.Open(folder["merge"]);
        Assert.Equal(merge.Tensors.Select(t => t.Name), search.Tensors.Select(t => t.Name));
        foreach (var tensor in merge.Tensors)
        {
            Assert.Equal(TestModels.ReadBytes(merge, tensor.Name), TestModels.ReadBytes(search, tensor.Name));
        }
    }

    [Fact]
    public void A_destination_of_the_wrong_size_is_refused_with_the_tensor_named()
    {
        using var folder = new TestModels.TempFolder();
        using var materializer = SwarmMaterializer.Open(SearchTestKit.WriteSwarm(folder, experts: 1, smallEmbedding: true));
        var error = Assert.Throws<ArgumentException>(() => materializer.MaterializeTensor("model.norm.weight", materializer.Space.Corner(0), new float[3]));
        Assert.Contains("model.norm.weight", error.Message);
        Assert.Throws<KeyNotFoundException>(() => materializer.MaterializeTensor("score.weight", materializer.Space.Corner(0), new float[3]));
    }

    [Fact]
    public void Groups_follow_layers_and_tensor_kinds()
    {
        string[] names =
        [
            "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.up_proj.weight",
            "model.layers.0.input_layernorm.weight", "model.layers.1.self_attn.o_proj.weight", "model.norm.weight", "lm_head.weight",
        ];
        var layers = CoefficientGroups.Create(Granularity.Layer, names);
        Assert.Equal(["embeddings", "model.layers.0", "model.layers.1", "other"], layers.Names);
        Assert.Equal(1, layers.Of("model.layers.0.mlp.up_proj.weight"));
        Assert.Equal(3, layers.Of("lm_head.weight"));

        var kinds = CoefficientGroups.Create(Granularity.TensorKind, names);
        Assert.Equal(["embeddings", "attention", "mlp", "norms", "other"], kinds.Names);
        Assert.Equal("norms", CoefficientGroups.KindOf("bert.encoder.layer.0.attention.output.LayerNorm.weight"));
        Assert.Equal("attention", CoefficientGroups.KindOf("encoder.block.0.layer.0.SelfAttention.q.weight"));
        Assert.Equal("mlp", CoefficientGroups.KindOf("bert.encoder.layer.0.output.dense.weight"));
        Assert.Equal("mlp", CoefficientGroups.KindOf("decoder.block.3.layer.2.DenseReluDense.wi_0.weight"));
        Assert.Equal("norms", CoefficientGroups.KindOf("h.0.ln_1.weight"));
        Assert.Equal("embeddings", CoefficientGroups.KindOf("shared.weight"));

        var t5 = CoefficientGroups.Create(Granularity.Layer, ["shared.weight", "encoder.block.0.layer.0.SelfAttention.q.weight", "decoder.block.0.layer.0.SelfAttention.q.weight", "encoder.block.1.layer.0.SelfAttention.q.weight"]);
        Assert.Equal(["embeddings", "encoder.block.0", "encoder.block.1", "decoder.block.0"], t5.Names);
        Assert.Single(CoefficientGroups.Create(Granularity.Model, names).Names);
    }
}
