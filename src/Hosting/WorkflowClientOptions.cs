namespace Orleans.Workflow.Hosting;

/// <summary>
/// Which cluster a client talks to (the <c>Workflow</c> section, the same keys a silo reads): with
/// <see cref="Postgres"/>, the cluster whose silos keep their membership in that database (the client finds their
/// gateways there); without it, a silo on this machine at <see cref="GatewayPort"/>.
/// <see cref="WorkflowClientOptionsValidator"/> checks them when the client is put together.
/// </summary>
public sealed class WorkflowClientOptions
{
    public const string Section = WorkflowSiloOptions.Section;
    public const int DefaultGatewayPort = WorkflowSiloOptions.DefaultGatewayPort;
    public const string DefaultClusterId = WorkflowSiloOptions.DefaultClusterId;
    public const string DefaultServiceId = WorkflowSiloOptions.DefaultServiceId;

    /// <summary>The PostgreSQL connection string of the cluster's silos (<c>Workflow:Postgres</c>). Null: a silo on localhost.</summary>
    public string? Postgres { get; set; }

    /// <summary>The gateway port of the silo on localhost (used without <see cref="Postgres"/>).</summary>
    public int GatewayPort { get; set; } = DefaultGatewayPort;

    public string ClusterId { get; set; } = DefaultClusterId;

    public string ServiceId { get; set; } = DefaultServiceId;
}
