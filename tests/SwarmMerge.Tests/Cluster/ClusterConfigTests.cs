using System.Net;
using SwarmMerge.Cluster;
using SwarmMerge.Search.Runs;

namespace SwarmMerge.Tests.Cluster;

public sealed class ClusterConfigTests : IDisposable
{
    private readonly TestModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ClusterConfig Load(string yaml)
    {
        string path = Path.Combine(_folder.Path, "cluster.yml");
        File.WriteAllText(path, yaml);
        return ClusterConfig.Load(path);
    }

    [Fact]
    public void An_empty_mapping_is_one_machine_on_Orleans_default_ports()
    {
        var config = Load("cluster_id: c1\n");
        Assert.Equal(Membership.Localhost, config.Membership);
        Assert.Equal(("c1", "swarmmerge"), (config.ClusterId, config.ServiceId));
        Assert.Equal((11111, 30000, 11111), (config.SiloPort, config.GatewayPort, config.PrimarySiloPort));
        Assert.Equal([30000], config.LocalGateways);
        Assert.Equal(TimeSpan.FromSeconds(120), config.WorkerWait);
    }

    [Fact]
    public void Each_membership_reads_its_settings()
    {
        var local = Load("membership: localhost\nlocalhost: {primary_silo_port: 12000, gateway_ports: [31000, 31001]}\nsilo_port: 12001\ngateway_port: 31001\n");
        Assert.Equal((12000, 12001), (local.PrimarySiloPort, local.SiloPort));
        Assert.Equal([31000, 31001], local.LocalGateways);

        var redis = Load("membership: redis\nredis: 10.0.0.2:6380\nadvertised_address: 10.0.0.7\nworker_wait_seconds: 7.5\nprobe_timeout_seconds: 2\nkubernetes: true\n");
        Assert.Equal((Membership.Redis, "10.0.0.2:6380"), (redis.Membership, redis.Redis));
        Assert.Equal(IPAddress.Parse("10.0.0.7"), redis.AdvertisedAddress);
        Assert.Equal((TimeSpan.FromSeconds(7.5), TimeSpan.FromSeconds(2), true), (redis.WorkerWait, redis.ProbeTimeout, redis.Kubernetes));

        var ado = Load("membership: ado_net\nado_net: {connection_string: 'Host=db;Database=orleans'}\n");
        Assert.Equal((Membership.AdoNet, "Npgsql", "Host=db;Database=orleans"), (ado.Membership, ado.AdoNetInvariant, ado.AdoNetConnectionString));
    }

    [Fact]
    public void ToYaml_reads_back_as_the_same_config()
    {
        var config = Load("membership: redis\nredis: \"127.0.0.1:6379,password=it's\"\ncluster_id: x\nsilo_port: 12001\nworker_wait_seconds: 3\n");
        var again = Load(config.ToYaml());
        Assert.Equal(config with { GatewayPorts = [] }, again with { GatewayPorts = [] });
        Assert.Equal(config.LocalGateways, again.LocalGateways);
    }

    [Theory]
    [InlineData("membershipp: redis\n", "line 1: unknown key 'membershipp'")]
    [InlineData("membership: zookeeper\n", "unknown membership 'zookeeper'")]
    [InlineData("membership: redis\n", "needs 'redis: HOST:PORT'")]
    [InlineData("membership: ado_net\n", "needs 'ado_net:")]
    [InlineData("cluster_id: a\nsilo_port: 70000\n", "line 2: 'silo_port' must be a port number")]
    [InlineData("localhost: {gateway_ports: 3}\n", "'gateway_ports' must list ports")]
    [InlineData("worker_wait_seconds: -1\n", "'worker_wait_seconds' must be a positive number")]
    [InlineData("advertised_address: somewhere\n", "'advertised_address' must be an IP address")]
    public void Errors_name_the_line_and_key(string yaml, string expected)
    {
        var error = Assert.Throws<SearchConfigException>(() => Load(yaml));
        Assert.Contains(expected, error.Message);
    }
}
