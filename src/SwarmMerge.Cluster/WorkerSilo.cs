using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace SwarmMerge.Cluster;

/// <summary>
/// Placement of a worker's evaluation grain on the silo its key names. Orleans' own strategies place a grain where
/// the call arrives (prefer-local, stateless workers) or anywhere (random, hashed), which would leave some workers
/// idle; this one pins each worker's grain to its worker, and refuses a silo that has left the cluster.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class WorkerSilo : PlacementStrategy
{
    /// <summary>The grain key that names <paramref name="silo"/>.</summary>
    public static string KeyOf(SiloAddress silo) => silo.ToParsableString();

    /// <summary>Marks a grain class for <see cref="WorkerSilo"/> placement.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
    public sealed class PlacementAttribute() : Orleans.Placement.PlacementAttribute(new WorkerSilo());

    /// <summary>Places the grain on the silo its key names.</summary>
    internal sealed class Director : IPlacementDirector
    {
        /// <inheritdoc />
        public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
        {
            string key = target.GrainIdentity.Key.ToString();
            return context.GetCompatibleSilos(target).FirstOrDefault(silo => KeyOf(silo) == key) is { } silo
                ? Task.FromResult(silo)
                : throw new SiloUnavailableException($"Worker silo {key} is not in the cluster (any more).");
        }
    }
}
