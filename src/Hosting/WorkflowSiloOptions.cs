namespace Orleans.Workflow.Hosting;

/// <summary>
/// Where a silo listens, which cluster it joins and how it keeps its state (the <c>Workflow</c> section;
/// environment <c>Workflow__Key</c>). docs/running.md lists every key; <see cref="WorkflowSiloOptionsValidator"/>
/// checks them when the silo is put together.
/// </summary>
public sealed class WorkflowSiloOptions
{
    public const string Section = "Workflow";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const int DefaultHttpPort = 8080;
    public const string DefaultClusterId = "owf";
    public const string DefaultServiceId = "orleans-workflow";
    public const int DefaultMissedProbesLimit = 3;
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>PostgreSQL connection string: durable state, clustering, reminders and history. Null: the embedded default.</summary>
    public string? Postgres { get; set; }

    public int SiloPort { get; set; } = DefaultSiloPort;

    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>Port of the health endpoints (<c>/healthz</c>, <c>/readyz</c>); 0 turns them off.</summary>
    public int HttpPort { get; set; } = DefaultHttpPort;

    public string ClusterId { get; set; } = DefaultClusterId;

    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>The address other silos and clients reach this one at (a pod's IP); default: loopback without PostgreSQL, else this host's first IPv4 address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>On SIGTERM, how long running steps may go on finishing before they are cancelled and retried elsewhere.</summary>
    public TimeSpan DrainTimeout { get; set; } = DefaultDrainTimeout;

    /// <summary>How long a silo waits for a probe answer before counting it missed (Orleans' default is 5 s).</summary>
    public TimeSpan ProbeTimeout { get; set; } = DefaultProbeTimeout;

    /// <summary>Missed probes in a row after which a silo votes another dead (Orleans' default is 3).</summary>
    public int MissedProbesLimit { get; set; } = DefaultMissedProbesLimit;
}
