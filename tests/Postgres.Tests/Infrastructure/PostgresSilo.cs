using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Workflow.Client;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A real silo in a generic host, configured as a PostgreSQL deployment is: the workflow grains and plugins
/// (<c>AddWorkflowCore</c>), the event streams, and <c>UseWorkflowPostgres</c>, on loopback ports of its own.
/// </summary>
public sealed class PostgresSilo : IAsyncDisposable
{
    public const string ServiceId = "owf-postgres-tests";

    private PostgresSilo(IHost host, int siloPort, int gatewayPort)
    {
        Host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public IHost Host { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The silo's own cluster client.</summary>
    public IClusterClient Cluster => Host.Services.GetRequiredService<IClusterClient>();

    public WorkflowClient Client => new(Cluster);

    /// <summary>Builds the silo's host (not started).</summary>
    public static IHost Build(string connectionString, string clusterId, int siloPort, int gatewayPort)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = clusterId;
                options.ServiceId = ServiceId;
            })
            .ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort)
            .AddWorkflowCore(builder.Configuration)
            .AddWorkflowEvents()
            .UseWorkflowPostgres(connectionString));
        return builder.Build();
    }

    public static async Task<PostgresSilo> StartAsync(string connectionString, string clusterId)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var host = Build(connectionString, clusterId, siloPort, gatewayPort);
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new PostgresSilo(host, siloPort, gatewayPort);
    }

    /// <summary>A client host that finds the cluster's gateways in the membership table.</summary>
    public static async Task<IHost> StartClientAsync(string connectionString, string clusterId)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client.AddWorkflowClient(options =>
        {
            options.Postgres = connectionString;
            options.ClusterId = clusterId;
            options.ServiceId = ServiceId;
        }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await Host.StopAsync(timeout.Token);
        }
        finally
        {
            Host.Dispose();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
