using SwarmMerge.Merging.Methods;
using SwarmMerge.Numerics;

namespace SwarmMerge.Tests;

/// <summary>Each method on tiny inputs whose results are worked out by hand.</summary>
public sealed class MergeMethodTests
{
    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void Ties_elects_the_sign_of_the_sum_and_averages_agreeing_entries()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 0, 0, 0, 0);
        bench.Vector("a", 1, -2, 3, -0.5f);
        bench.Vector("b", -1, 1, 2, 0.5f);
        bench.Merge("merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1}\n  - model: b\n    parameters: {weight: 1}\n", "out");
        // Σ = [0, −1, 5, 0]: signs +, −, +, + (a zero sum elects +). Agreeing entries averaged.
        AssertClose([1, -2, 2.5f, 0.5f], bench.Read("out", "w"));
    }

    [Fact]
    public void Ties_trims_each_task_vector_to_its_largest_entries_breaking_ties_by_index()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 0, 0, 0, 0);
        bench.Vector("a", 1, -2, 3, -0.5f);
        bench.Vector("b", -1, 1, 2, 0.5f);
        bench.Merge("merge_method: ties\nbase_model: base\nparameters: {density: 0.5, weight: 1}\nmodels: [a, b]\n", "out");
        // a keeps 3 and −2. b's |τ| = [1, 1, 2, 0.5]: it keeps 2 and, of the tied 1s, the one later in (|x|, index) order (index 1).
        // Σ = [0, −1, 5, 0] → [0 (nothing agrees), −2, (3 + 2)/2, 0].
        AssertClose([0, -2, 2.5f, 0], bench.Read("out", "w"));
    }

    [Fact]
    public void Task_arithmetic_adds_weighted_task_vectors_scaled_by_lambda()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 1, 1, 1);
        bench.Vector("a", 2, 1, 0);
        bench.Vector("b", 1, 3, 1);
        bench.Merge("merge_method: task_arithmetic\nbase_model: base\nparameters: {lambda: 0.5}\nmodels:\n  - model: a\n    parameters: {weight: 1.0}\n  - model: b\n    parameters: {weight: 0.5}\n", "out");
        // τa = [1, 0, −1], τb = [0, 2, 0]; 1 + 0.5·(τa + 0.5·τb) = [1.5, 1.5, 0.5].
        AssertClose([1.5f, 1.5f, 0.5f], bench.Read("out", "w"));
    }

    [Fact]
    public void Breadcrumbs_drops_the_largest_outliers_and_the_smallest_entries()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", new float[10]);
        bench.Vector("a", 0.1f, 0.5f, -0.9f, 0.3f, -0.2f, 0.7f, 0.05f, 0.4f, -0.6f, 0.8f);
        bench.Merge("merge_method: breadcrumbs\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 0.5, gamma: 0.1}\n", "out");
        // N = 10: keep 5, drop the top 1 (−0.9) and the bottom 4 (0.05, 0.1, −0.2, 0.3).
        AssertClose([0, 0.5f, 0, 0, 0, 0.7f, 0, 0.4f, -0.6f, 0.8f], bench.Read("out", "w"));
    }

    [Fact]
    public void Linear_is_the_weighted_mean()
    {
        using var bench = new MergeTestBench();
        bench.Vector("a", 1, 2);
        bench.Vector("b", 3, 6);
        bench.Merge("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 3}\n  - model: b\n    parameters: {weight: 1}\n", "out");
        AssertClose([1.5f, 3], bench.Read("out", "w"));
    }

    [Fact]
    public void Slerp_of_orthogonal_vectors_follows_the_arc()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 1, 0);
        bench.Vector("other", 0, 1);
        bench.Merge("merge_method: slerp\nbase_model: base\nmodels: [base, other]\nparameters: {t: 0.5}\n", "out");
        float h = (float)Math.Sqrt(0.5);
        AssertClose([h, h], bench.Read("out", "w"));
    }

    [Fact]
    public void Slerp_falls_back_to_linear_interpolation_for_parallel_vectors()
    {
        var (s0, s1) = SlerpMerge.Coefficients(0.25, 2, 4, 8); // cos = 1
        Assert.Equal(0.75, s0, 12);
        Assert.Equal(0.25, s1, 12);
    }

    [Fact]
    public void Model_stock_moves_toward_the_average_by_the_cosine_rule()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 0, 0);
        bench.Vector("a", 1, 0);
        bench.Vector("b", 1, 1);
        bench.Merge("merge_method: model_stock\nbase_model: base\nmodels: [a, b]\n", "out");
        // cos = 1/√2, t = 2cos/(1 + cos), average = [1, 0.5].
        double cos = Math.Sqrt(0.5), t = 2 * cos / (1 + cos);
        AssertClose([(float)t, (float)(t / 2)], bench.Read("out", "w"));
    }

    [Fact]
    public void Model_stock_of_orthogonal_offsets_returns_the_base()
    {
        Assert.Equal(0, ModelStockMerge.Ratio(2, ModelStockMerge.MeanCosine(new double[,] { { 1, 0 }, { 0, 1 } })));
    }

    [Fact]
    public void Counter_random_matches_the_values_the_reference_implementation_prints()
    {
        ulong key = CounterRandom.StreamKey(0, "w", 1);
        Assert.Equal(new uint[] { 7795777, 963906, 13527670, 6883118, 10542984 }, Enumerable.Range(0, 5).Select(j => CounterRandom.Draw(key, j)));
        key = CounterRandom.StreamKey(7, "model.layers.0.mlp.up_proj.weight", 2);
        Assert.Equal(new uint[] { 10286698, 10358409, 6627099, 862234, 14751732 }, Enumerable.Range(0, 5).Select(j => CounterRandom.Draw(key, j)));
    }

    [Fact]
    public void Dare_keeps_about_density_of_the_entries_and_inverse_density_rescale_restores_their_size()
    {
        using var bench = new MergeTestBench();
        const int N = 200_000;
        bench.Vector("base", new float[N]);
        bench.Vector("a", Enumerable.Repeat(1f, N).ToArray());
        bench.Merge("merge_method: dare_linear\nbase_model: base\nparameters: {rescale_mode: inverse_density}\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 0.3}\n", "out");
        var merged = bench.Read("out", "w");
        double kept = merged.Count(v => v != 0) / (double)N;
        Assert.InRange(kept, 0.3 - 0.005, 0.3 + 0.005); // binomial sd ≈ 0.001
        Assert.All(merged.Where(v => v != 0), v => Assert.Equal(1 / 0.3f, v, 1e-5f));
    }

    [Fact]
    public void Dare_l1_rescale_preserves_the_l1_norm_of_the_task_vector()
    {
        using var bench = new MergeTestBench();
        var values = TestModels.Random(50_000, 3);
        bench.Vector("base", new float[values.Length]);
        bench.Vector("a", values);
        bench.Merge("merge_method: dare_linear\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 0.2}\n", "out");
        var merged = bench.Read("out", "w");
        Assert.Equal(values.Sum(v => Math.Abs((double)v)), merged.Sum(v => Math.Abs((double)v)), 1e-2);
        Assert.InRange(merged.Count(v => v != 0) / (double)values.Length, 0.19, 0.21);
    }

    [Fact]
    public void Della_keeps_large_entries_more_often_than_small_ones()
    {
        using var bench = new MergeTestBench();
        const int Rows = 200, Columns = 100;
        var values = new float[Rows * Columns];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % Columns) + 1; // in each row, column c has rank c
        }
        TestModels.Write(bench["base"], [new TestTensor("w", SwarmMerge.IO.TensorDType.F32, [Rows, Columns], new float[values.Length])]);
        TestModels.Write(bench["a"], [new TestTensor("w", SwarmMerge.IO.TensorDType.F32, [Rows, Columns], values)]);
        bench.Merge("merge_method: della_linear\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 0.5, epsilon: 0.4}\n", "out");
        var merged = bench.Read("out", "w");
        double KeptFraction(int column) => Enumerable.Range(0, Rows).Count(r => merged[r * Columns + column] != 0) / (double)Rows;
        // p runs linearly from 0.1 (smallest) to 0.9 (largest) across each row.
        Assert.InRange(KeptFraction(0), 0.0, 0.25);
        Assert.InRange(KeptFraction(Columns - 1), 0.75, 1.0);
    }

    [Fact]
    public void Affine_is_the_unnormalized_mix_of_the_base_and_the_models()
    {
        using var bench = new MergeTestBench();
        bench.Vector("base", 1, 2, 3, 4);
        bench.Vector("a", 2, 2, 2, 2);
        bench.Vector("b", 0, 4, 0, 4);
        bench.Merge("merge_method: affine\nbase_model: base\nparameters: {base_weight: 0.5}\nmodels:\n  - model: a\n    parameters: {weight: 0.3}\n  - model: b\n    parameters: {weight: -0.2}\n", "out");
        // 0.5·base + 0.3·a − 0.2·b (the weights sum to 0.6, not 1, and nothing normalizes them).
        AssertClose([1.1f, 0.8f, 2.1f, 1.8f], bench.Read("out", "w"));
    }

    [Fact]
    public void Affine_sparse_weight_adds_the_dare_sparsified_model_that_dare_linear_draws_with_the_same_seed()
    {
        using var bench = new MergeTestBench();
        var values = TestModels.Random(20_000, 7);
        var baseValues = TestModels.Random(20_000, 8);
        bench.Vector("base", baseValues);
        bench.Vector("a", values);
        var options = new SwarmMerge.Merging.MergeOptions { Seed = 11 };
        bench.Merge("merge_method: affine\nbase_model: base\nparameters: {base_weight: 0, drop_rate: 0.7}\nmodels:\n  - model: a\n    parameters: {weight: 0, sparse_weight: 1}\n", "affine", options);
        bench.Merge("merge_method: dare_linear\nbase_model: base\nparameters: {rescale_mode: inverse_density}\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 0.3}\n", "dare", options);
        var affine = bench.Read("affine", "w");
        var dare = bench.Read("dare", "w");
        // θ₀ + mask(τ)/0.3 both: the same entries kept (the same stream), the same values up to rounding order.
        Assert.Equal(dare.Select((v, i) => v == baseValues[i]), affine.Select((v, i) => v == baseValues[i]));
        AssertClose(dare, affine, 1e-5);
        Assert.InRange(affine.Where((v, i) => v != baseValues[i]).Count() / 20_000.0, 0.28, 0.32);
    }
}
