using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Workflow.Events;

namespace Orleans.Workflow.Hosting;

/// <summary>The one place a client of a workflow cluster is wired (the CLI, tests, applications).</summary>
public static class WorkflowClientBuilderExtensions
{
    /// <summary>
    /// A client of a workflow cluster, configured by the <c>Workflow</c> section of
    /// <see cref="IClientBuilder.Configuration"/> and then by <paramref name="configure"/>: with
    /// <see cref="WorkflowClientOptions.Postgres"/> it finds the gateways in the cluster's ADO.NET membership table;
    /// without it, it talks to the silo on localhost at <see cref="WorkflowClientOptions.GatewayPort"/>. Either way it
    /// joins <see cref="WorkflowClientOptions.ClusterId"/> and can watch runs (the run event streams).
    /// </summary>
    /// <exception cref="OrleansConfigurationException">A value is out of range or unreadable; the message names its key.</exception>
    public static IClientBuilder AddWorkflowClient(this IClientBuilder builder, Action<WorkflowClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = OptionChecks.Read(builder.Configuration, configure);
        var validator = new WorkflowClientOptionsValidator(options);
        validator.ValidateConfiguration();
        builder.Services.AddSingleton<IConfigurationValidator>(validator);
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        if (options.Postgres is { Length: > 0 } connectionString)
        {
            builder.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresSiloBuilderExtensions.Invariant;
                o.ConnectionString = connectionString;
            });
        }
        else
        {
            builder.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
        }

        return builder.AddMemoryStreams(RunEvent.StreamProvider);
    }
}
