using System.Runtime.InteropServices;
using SwarmMerge.Inference;
using SwarmMerge.IO;
using SwarmMerge.Merging;
using SwarmMerge.Search.Space;
using SwarmMerge.Tests.Inference;

namespace SwarmMerge.Tests.Search;

public sealed class WeightsSinkTests
{
    [Theory]
    [InlineData(TensorDType.F32, "ties")]
    [InlineData(TensorDType.BF16, "dare_ties")]
    public void A_merge_run_into_the_engines_weights_gives_the_weights_of_its_checkpoint(TensorDType dtype, string method)
    {
        using var folder = new TestModels.TempFolder();
        var config = RandomCheckpoints.Llama(tied: true);
        string baseModel = RandomCheckpoints.Write(folder["base"], config, seed: 1, dtype);
        string[] experts = [RandomCheckpoints.Write(folder["a"], config, seed: 2, dtype), RandomCheckpoints.Write(folder["b"], config, seed: 3, dtype)];
        var evo = new EvoSpace(baseModel, experts, method, layerSlices: 2);
        double[] point = [0.7, 0.4, 0.6, 0.9, 0.3, 0.8, 0.5, 0.2];
        var options = new MergeOptions { Overwrite = true, Threads = 2, Seed = 5 };

        evo.WriteCheckpoint(point, folder["merged"], options);
        using var written = Checkpoint.Open(folder["merged"]);
        using var fromCheckpoint = ModelFamilies.Open(written, new InferenceOptions { Threads = 1 });
        fromCheckpoint.Weights.LoadFrom(written);

        using var baseCheckpoint = Checkpoint.Open(baseModel);
        using var fromSink = ModelFamilies.Open(baseCheckpoint, new InferenceOptions { Threads = 1 });
        using (var plan = evo.Plan(point))
        {
            MergeExecutor.Run(plan, new WeightsSink(fromSink.Weights, plan.Tensors.Select(t => t.Output).ToList()), options);
        }

        foreach (var spec in fromSink.Weights.Specs)
        {
            Assert.True(MemoryMarshal.AsBytes(fromCheckpoint.Weights.GetSpan(spec.Name)).SequenceEqual(MemoryMarshal.AsBytes(fromSink.Weights.GetSpan(spec.Name))), spec.Name);
        }
    }
}
