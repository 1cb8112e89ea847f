using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Workflow.Client;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Cli.Connection;

/// <summary>
/// The embedded default: one silo in this process, localhost clustering on free ports, state in memory
/// (it lives as long as the process), schedules not fired. Configuration comes from the environment (<c>Workflow__...</c>).
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host)
    {
        _host = host;
        Client = new WorkflowClient(host.Services.GetRequiredService<IClusterClient>());
    }

    public WorkflowClient Client { get; }

    public static async Task<EmbeddedCluster> StartAsync(CancellationToken cancellationToken)
    {
        // A one-off run fires no schedules (Workflow__FireSchedules=true overrides it). OWF_LOG_LEVEL=Debug shows
        // what the embedded silo does (on stderr).
        var builder = OwfHost.CreateBuilder(LogLevel.Warning, quietOrleans: true, new Dictionary<string, string?> { ["Workflow:FireSchedules"] = "false" });
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(FreePort(), FreePort(), serviceId: "owf-embedded", clusterId: "owf-embedded-" + Guid.NewGuid().ToString("N")[..8])
            .AddWorkflow());
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new EmbeddedCluster(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stop.Token);
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
