using System.Globalization;
using System.Net;
using SwarmMerge.Search.Runs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmMerge.Cluster;

/// <summary>How workers find each other and the coordinator finds them.</summary>
public enum Membership
{
    /// <summary>One machine: Orleans' development clustering, whose membership table lives in the primary worker.</summary>
    Localhost,

    /// <summary>A Redis server holds the membership table.</summary>
    Redis,

    /// <summary>A database reached through ADO.NET (PostgreSQL with the bundled Npgsql) holds the membership table.</summary>
    AdoNet,
}

/// <summary>
/// <c>CLUSTER.yml</c>: the Orleans cluster that <c>swarmmerge worker</c> joins and <c>swarmmerge search --cluster</c>
/// connects to. The format is in <c>docs/cluster.md</c>.
/// </summary>
public sealed record ClusterConfig
{
    /// <summary>Orleans' cluster id: workers and coordinators with the same id (and service id) form one cluster.</summary>
    public string ClusterId { get; init; } = "swarmmerge";

    /// <summary>Orleans' service id.</summary>
    public string ServiceId { get; init; } = "swarmmerge";

    /// <summary>The membership provider.</summary>
    public Membership Membership { get; init; } = Membership.Localhost;

    /// <summary>Redis connection string (StackExchange.Redis syntax, e.g. <c>127.0.0.1:6379</c>).</summary>
    public string? Redis { get; init; }

    /// <summary>ADO.NET provider invariant name (<c>Npgsql</c>, or another provider whose assembly is present).</summary>
    public string? AdoNetInvariant { get; init; }

    /// <summary>ADO.NET connection string of the database that holds Orleans' membership tables.</summary>
    public string? AdoNetConnectionString { get; init; }

    /// <summary>Localhost membership: the silo port of the primary worker, which holds the membership table.</summary>
    public int PrimarySiloPort { get; init; } = 11111;

    /// <summary>Localhost membership: the gateway ports the coordinator connects to (default: <see cref="GatewayPort"/>).</summary>
    public IReadOnlyList<int> GatewayPorts { get; init; } = [];

    /// <summary>A worker's silo port (silo-to-silo traffic); <c>swarmmerge worker --silo-port</c> overrides it.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>A worker's gateway port (where coordinators connect); <c>swarmmerge worker --gateway-port</c> overrides it.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address other machines reach a worker at; null: loopback for localhost membership, else Orleans' choice (the first non-loopback address).</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>Workers run in Kubernetes pods: Orleans' Kubernetes hosting takes their address and ids from the pod and watches pods to notice lost workers sooner.</summary>
    public bool Kubernetes { get; init; }

    /// <summary>How long the coordinator waits for a usable worker before it fails.</summary>
    public TimeSpan WorkerWait { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Orleans' probe timeout between workers: a killed worker is declared dead after about three missed probes.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest one evaluation may take before the coordinator gives up on the call and sends the candidate elsewhere.</summary>
    public TimeSpan EvaluationTimeout { get; init; } = TimeSpan.FromHours(1);

    private static readonly string[] Keys =
    [
        "cluster_id", "service_id", "membership", "redis", "ado_net", "localhost", "silo_port", "gateway_port",
        "advertised_address", "kubernetes", "worker_wait_seconds", "probe_timeout_seconds", "evaluation_timeout_seconds",
    ];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="SearchConfigException">The file is missing or invalid; the message names the line and key.</exception>
    public static ClusterConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SearchConfigException($"Cluster config '{path}' does not exist.");
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (YamlException e)
        {
            throw new SearchConfigException($"{path}: not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SearchConfigException($"{path}: expected a mapping (membership, cluster_id, …).");
        }
        var values = Mapping(root, path, Keys);
        var config = new ClusterConfig
        {
            ClusterId = Text(values, "cluster_id", path) ?? "swarmmerge",
            ServiceId = Text(values, "service_id", path) ?? "swarmmerge",
            Membership = Text(values, "membership", path) switch
            {
                null or "localhost" => Membership.Localhost,
                "redis" => Membership.Redis,
                "ado_net" => Membership.AdoNet,
                string other => throw new SearchConfigException($"{path}: line {values["membership"].Start.Line}: unknown membership '{other}' (localhost, redis or ado_net)."),
            },
            Redis = Text(values, "redis", path),
            SiloPort = Port(values, "silo_port", path) ?? 11111,
            GatewayPort = Port(values, "gateway_port", path) ?? 30000,
            AdvertisedAddress = Text(values, "advertised_address", path) is { } address
                ? IPAddress.TryParse(address, out var ip) ? ip : throw new SearchConfigException($"{path}: line {values["advertised_address"].Start.Line}: 'advertised_address' must be an IP address, not '{address}'.")
                : null,
            Kubernetes = Text(values, "kubernetes", path) switch
            {
                null or "false" => false,
                "true" => true,
                _ => throw new SearchConfigException($"{path}: line {values["kubernetes"].Start.Line}: 'kubernetes' must be true or false."),
            },
            WorkerWait = Seconds(values, "worker_wait_seconds", path) ?? TimeSpan.FromSeconds(120),
            ProbeTimeout = Seconds(values, "probe_timeout_seconds", path) ?? TimeSpan.FromSeconds(5),
            EvaluationTimeout = Seconds(values, "evaluation_timeout_seconds", path) ?? TimeSpan.FromHours(1),
        };
        if (values.TryGetValue("localhost", out var localhostNode))
        {
            var localhost = Mapping(localhostNode, path, ["primary_silo_port", "gateway_ports"]);
            config = config with
            {
                PrimarySiloPort = Port(localhost, "primary_silo_port", path) ?? config.SiloPort,
                GatewayPorts = localhost.TryGetValue("gateway_ports", out var ports) && ports is YamlSequenceNode list
                    ? list.Children.Select(p => PortValue(p, "gateway_ports", path)).ToList()
                    : localhost.ContainsKey("gateway_ports") ? throw new SearchConfigException($"{path}: line {ports!.Start.Line}: 'gateway_ports' must list ports, e.g. [30000, 30001].") : [],
            };
        }
        else
        {
            config = config with { PrimarySiloPort = config.SiloPort };
        }
        if (values.TryGetValue("ado_net", out var adoNode))
        {
            var ado = Mapping(adoNode, path, ["invariant", "connection_string"]);
            config = config with { AdoNetInvariant = Text(ado, "invariant", path) ?? "Npgsql", AdoNetConnectionString = Text(ado, "connection_string", path) };
        }
        if (config.Membership == Membership.Redis && config.Redis is null)
        {
            throw new SearchConfigException($"{path}: membership 'redis' needs 'redis: HOST:PORT' (a StackExchange.Redis connection string).");
        }
        if (config.Membership == Membership.AdoNet && config.AdoNetConnectionString is null)
        {
            throw new SearchConfigException($"{path}: membership 'ado_net' needs 'ado_net: {{invariant: Npgsql, connection_string: \"…\"}}'.");
        }
        return config;
    }

    /// <summary>The gateways a coordinator connects to under localhost membership.</summary>
    public IReadOnlyList<int> LocalGateways => GatewayPorts.Count > 0 ? GatewayPorts : [GatewayPort];

    /// <summary>This config as <c>CLUSTER.yml</c> text (what <see cref="Load"/> reads back).</summary>
    public string ToYaml()
    {
        var lines = new List<string>
        {
            $"cluster_id: {ClusterId}",
            $"service_id: {ServiceId}",
            $"membership: {Membership switch { Membership.Redis => "redis", Membership.AdoNet => "ado_net", _ => "localhost" }}",
        };
        if (Redis is not null)
        {
            lines.Add($"redis: '{Redis.Replace("'", "''")}'");
        }
        if (AdoNetConnectionString is not null)
        {
            lines.Add($"ado_net: {{invariant: {AdoNetInvariant}, connection_string: '{AdoNetConnectionString.Replace("'", "''")}'}}");
        }
        lines.Add($"localhost: {{primary_silo_port: {PrimarySiloPort}, gateway_ports: [{string.Join(", ", LocalGateways)}]}}");
        lines.Add($"silo_port: {SiloPort}");
        lines.Add($"gateway_port: {GatewayPort}");
        if (AdvertisedAddress is not null)
        {
            lines.Add($"advertised_address: {AdvertisedAddress}");
        }
        lines.Add($"kubernetes: {(Kubernetes ? "true" : "false")}");
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"worker_wait_seconds: {WorkerWait.TotalSeconds}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"probe_timeout_seconds: {ProbeTimeout.TotalSeconds}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"evaluation_timeout_seconds: {EvaluationTimeout.TotalSeconds}"));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>Where the cluster's membership lives, for messages.</summary>
    public string Describe() => Membership switch
    {
        Membership.Redis => $"cluster '{ClusterId}', Redis membership at {Redis}",
        Membership.AdoNet => $"cluster '{ClusterId}', ADO.NET membership ({AdoNetInvariant})",
        _ => $"cluster '{ClusterId}', localhost membership (gateways {string.Join(", ", LocalGateways)})",
    };

    private static Dictionary<string, YamlNode> Mapping(YamlNode node, string path, string[] known)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw new SearchConfigException($"{path}: line {node.Start.Line}: expected a mapping with {string.Join(", ", known)}.");
        }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(key))
            {
                throw new SearchConfigException($"{path}: line {keyNode.Start.Line}: unknown key '{key}' (known: {string.Join(", ", known)}).");
            }
            values[key] = value;
        }
        return values;
    }

    private static string? Text(Dictionary<string, YamlNode> values, string key, string path) =>
        !values.TryGetValue(key, out var node) ? null
        : node is YamlScalarNode { Value: { Length: > 0 } value } ? value
        : throw new SearchConfigException($"{path}: line {node.Start.Line}: '{key}' must be a single value.");

    private static int? Port(Dictionary<string, YamlNode> values, string key, string path) =>
        values.TryGetValue(key, out var node) ? PortValue(node, key, path) : null;

    private static int PortValue(YamlNode node, string key, string path) =>
        node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port : throw new SearchConfigException($"{path}: line {node.Start.Line}: '{key}' must be a port number (1–65535).");

    private static TimeSpan? Seconds(Dictionary<string, YamlNode> values, string key, string path)
    {
        if (Text(values, key, path) is not { } text)
        {
            return null;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new SearchConfigException($"{path}: line {values[key].Start.Line}: '{key}' must be a positive number of seconds.");
    }
}
