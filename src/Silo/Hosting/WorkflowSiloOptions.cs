namespace Orleans.Workflow.Silo.Hosting;

/// <summary>Where a silo listens and which cluster it joins (the <c>Workflow</c> section; environment <c>Workflow__Key</c>).</summary>
public sealed class WorkflowSiloOptions
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const string DefaultClusterId = "owf";
    public const string DefaultServiceId = "orleans-workflow";

    public int SiloPort { get; set; } = DefaultSiloPort;

    public int GatewayPort { get; set; } = DefaultGatewayPort;

    public string ClusterId { get; set; } = DefaultClusterId;

    public string ServiceId { get; set; } = DefaultServiceId;
}
