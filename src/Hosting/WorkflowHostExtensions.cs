using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Orleans.Workflow.Hosting;

/// <summary>The silo executable's host: the silo, the port of its health endpoints, and the endpoints themselves.</summary>
public static class WorkflowHostExtensions
{
    /// <summary>How much longer than <see cref="WorkflowSiloOptions.DrainTimeout"/> a graceful stop may take in all.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The silo of <see cref="WorkflowSiloBuilderExtensions.AddWorkflowSilo(ISiloBuilder, Action{WorkflowSiloOptions}?)"/>
    /// in this host, with Kestrel listening on <see cref="WorkflowSiloOptions.HttpPort"/> (unless 0) and a shutdown
    /// timeout that leaves the drain its time. The options are read and checked here, before anything is wired.
    /// </summary>
    /// <exception cref="OrleansConfigurationException">A value is out of range or unreadable; the message names its key.</exception>
    public static IHostApplicationBuilder AddWorkflowSilo(this IHostApplicationBuilder builder, Action<WorkflowSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var silo = WorkflowSiloBuilderExtensions.ReadSiloOptions(builder.Configuration, configure);
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            if (silo.HttpPort > 0)
            {
                kestrel.ListenAnyIP(silo.HttpPort);
            }
        });

        // A graceful stop drains running steps first: give it the drain timeout and then some.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = silo.DrainTimeout + ShutdownGrace);
        builder.UseOrleans(orleans => orleans.AddWorkflowSilo(silo));
        return builder;
    }

    /// <summary>
    /// <c>GET /healthz</c>: 200 while the process answers. <c>GET /readyz</c>: 200 once this silo is active in the
    /// cluster, else 503.
    /// </summary>
    public static IEndpointRouteBuilder MapWorkflowHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails local) =>
            membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress) == SiloStatus.Active
                ? Results.Text("ready\n")
                : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        return endpoints;
    }
}
