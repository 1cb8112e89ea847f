using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Silo.Hosting;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// One silo in this process on a plain generic host (no test host), as the CLI's embedded cluster builds it:
/// localhost clustering on free ports, <c>AddWorkflow</c> (in-memory state and streams).
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private readonly bool _events;

    private BenchSilo(IHost host, bool events)
    {
        _host = host;
        _events = events;
        Cluster = host.Services.GetRequiredService<IClusterClient>();
        Client = new WorkflowClient(Cluster);
    }

    public IClusterClient Cluster { get; }

    public WorkflowClient Client { get; }

    public IManagementGrain Management => Cluster.GetGrain<IManagementGrain>(0);

    public static async Task<BenchSilo> StartAsync(BenchSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var values = new Dictionary<string, string?>();
        if (settings.ResendInterval is { } resend)
        {
            values[$"{WorkflowOptions.Section}:{nameof(WorkflowOptions.ResendInterval)}"] = resend.ToString("c", CultureInfo.InvariantCulture);
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "owf-bench", clusterId: "owf-bench-" + Guid.NewGuid().ToString("N")[..8]);
            if (settings.Events)
            {
                silo.AddWorkflow(builder.Configuration);
            }
            else
            {
                // The experiment: everything but the stream provider; events stay in the publisher's channel.
                silo.AddWorkflowCore(builder.Configuration).AddWorkflowStorage();
            }

            if (settings.PullPeriod is { } period)
            {
                silo.Services.Configure<StreamPullingAgentOptions>(RunEvent.StreamProvider, o => o.GetQueueMsgsTimerPeriod = period);
            }

            silo.Services.AddStepPlugin<PassPlugin>();
            if (settings.TraceCalls)
            {
                silo.AddActivityPropagation();
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, settings.Events);
    }

    /// <summary>Registers a playbook and answers its version.</summary>
    public Task<string> RegisterAsync(string name, string yaml) => Client.RegisterPlaybookAsync(name, yaml, name + ".yaml");

    /// <summary>Activations per grain class, largest first.</summary>
    public async Task<IReadOnlyList<(string GrainType, int Activations)>> ActivationsAsync()
    {
        var statistics = await Management.GetSimpleGrainStatistics();
        return [.. statistics
            .GroupBy(s => ShortName(s.GrainType))
            .Select(g => (g.Key, g.Sum(s => s.ActivationCount)))
            .OrderByDescending(g => g.Item2)];
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _host.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // A silo that does not stop in time is left to the process's end.
        }

        try
        {
            await ((IAsyncDisposable)_host).DisposeAsync();
        }
        catch (KeyNotFoundException) when (!_events)
        {
            // --no-events: the event publisher's loop ended when it found no stream provider; it says so on disposal.
        }
    }

    private static string ShortName(string grainType)
    {
        var comma = grainType.IndexOf(',', StringComparison.Ordinal);
        var name = comma < 0 ? grainType : grainType[..comma];
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
