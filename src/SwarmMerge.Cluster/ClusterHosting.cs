using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace SwarmMerge.Cluster;

/// <summary>Applies a <see cref="ClusterConfig"/> to Orleans' silo (worker) and client (coordinator) builders.</summary>
internal static class ClusterHosting
{
    // Elementwise PSO sends whole weight vectors; Orleans' default limit is 100 MB per message.
    private const int MaxMessageBytes = 1 << 30;

    public static void ConfigureSilo(ISiloBuilder silo, ClusterConfig cluster, int siloPort, int gatewayPort)
    {
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
        silo.Configure<EndpointOptions>(o =>
        {
            o.SiloPort = siloPort;
            o.GatewayPort = gatewayPort;
            if ((cluster.AdvertisedAddress ?? (cluster.Membership == Membership.Localhost ? IPAddress.Loopback : null)) is { } address)
            {
                o.AdvertisedIPAddress = address;
            }
        });
        switch (cluster.Membership)
        {
            case Membership.Redis:
                silo.UseRedisClustering(cluster.Redis!);
                break;
            case Membership.AdoNet:
                silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (cluster.AdoNetInvariant!, cluster.AdoNetConnectionString!));
                break;
            default:
                silo.UseDevelopmentClustering(new IPEndPoint(cluster.AdvertisedAddress ?? IPAddress.Loopback, cluster.PrimarySiloPort));
                break;
        }
        if (cluster.Kubernetes)
        {
            silo.UseKubernetesHosting();
        }
        silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = cluster.ProbeTimeout);
        silo.Configure<SiloMessagingOptions>(o => (o.ResponseTimeout, o.MaxMessageBodySize) = (cluster.EvaluationTimeout, MaxMessageBytes));
        silo.Services.AddPlacementDirector<WorkerSilo, WorkerSilo.Director>();
    }

    public static void ConfigureClient(IClientBuilder client, ClusterConfig cluster, Func<Exception, CancellationToken, Task<bool>> retryConnection)
    {
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
        switch (cluster.Membership)
        {
            case Membership.Redis:
                client.UseRedisClustering(cluster.Redis!);
                break;
            case Membership.AdoNet:
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (cluster.AdoNetInvariant!, cluster.AdoNetConnectionString!));
                break;
            default:
                client.UseStaticClustering(cluster.LocalGateways.Select(p => new IPEndPoint(cluster.AdvertisedAddress ?? IPAddress.Loopback, p)).ToArray());
                break;
        }
        // New workers become gateways too; a short refresh lets the coordinator use them if the first ones go.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        client.Configure<ClientMessagingOptions>(o => (o.ResponseTimeout, o.MaxMessageBodySize) = (cluster.EvaluationTimeout, MaxMessageBytes));
        client.UseConnectionRetryFilter(retryConnection);
    }
}
