using SwarmMerge.Bench;

// Usage: see bench/README.md.
return args.FirstOrDefault() switch
{
    "merge" => MergeBenchmark.Run(args[1..]),
    "merge-once" => MergeBenchmark.RunOnce(args[1..]),
    "lora" => LoraBenchmark.Run(args[1..]),
    "lora-materialize-once" => LoraBenchmark.MaterializeOnce(args[1..]),
    "engine" => EngineBenchmark.Run(args[1..]),
    "methods" => SearchStudies.Methods(args[1..]),
    "ablations" => SearchStudies.Ablations(args[1..]),
    "scaling" => ScalingStudy.Run(args[1..]),
    "scaling-once" => ScalingStudy.RunOnce(args[1..]),
    "cluster" => ClusterBenchmark.Run(args[1..]),
    "scale" => ScaleBenchmark.Run(args[1..]),
    "scale-materialize-once" => ScaleBenchmark.MaterializeOnce(args[1..]),
    "scale-score-once" => ScaleBenchmark.ScoreOnce(args[1..]),
    "scale-search-once" => ScaleBenchmark.SearchOnce(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: SwarmMerge.Bench engine [--hidden 512] [--intermediate 1408] [--layers 8] [--heads 8] [--kv-heads 4] [--vocab 32000] [--batch 8] [--length 128] [--continuation 32] [--runs 5] [--threads N] [--dir bench/out/engine]");
    Console.Error.WriteLine("       SwarmMerge.Bench methods [--config examples/light-family/search.yml] [--seeds 3] [--dir bench/out/search] [--early-stopping compare]");
    Console.Error.WriteLine("       SwarmMerge.Bench ablations [--config examples/light-family/search.yml] [--seeds 2] [--dir bench/out/search]");
    Console.Error.WriteLine("       SwarmMerge.Bench scaling [--family bench/out/family16] [--sizes 2,4,8,16] [--steps 5] [--dir bench/out/search]");
    Console.Error.WriteLine("       SwarmMerge.Bench lora [--layers 12] [--hidden 2048] [--intermediate 5504] [--vocab 32000] [--experts 4] [--rank 16] [--big-rank 64] [--candidates 3] [--dir bench/out/lora] [--threads N]");
    Console.Error.WriteLine("       SwarmMerge.Bench cluster [--config examples/family/search.yml] [--workers 1,2] [--threads 1] [--steps 2] [--experts 3] [--family-dir bench/out/merge] [--dir bench/out/cluster]");
    Console.Error.WriteLine("       SwarmMerge.Bench merge [--layers 12] [--hidden 2048] [--intermediate 5504] [--vocab 32000] [--experts 3] [--methods task_arithmetic,ties,dare_ties] [--dir bench/out/merge] [--threads N] [--out-shard-size 5G]");
    Console.Error.WriteLine("       SwarmMerge.Bench scale [--size 0.5b|1.5b] [--dir bench/out/scale] [--threads 2] [--experts 4] [--rows 4] [--candidates 3] [--evaluations 2] [--budget 6] [--methods linear,...] [--parts merge,materialize,score,search,adapter] [--before-bench DLL] [--cli DLL] [--before-cli DLL] [--adapter-rank 16] [--search-entry ENTRY] [--rounds 1] [--report FILE]");
    return 2;
}
