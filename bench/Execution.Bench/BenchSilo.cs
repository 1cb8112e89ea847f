using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Npgsql;
using Orleans.Workflow.Hosting;
using Orleans.Workflow.Hosting.Postgres;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// One silo in this process on a plain generic host (no test host). In memory, as the CLI's embedded cluster builds
/// it: localhost clustering on free ports, <c>AddWorkflow</c> (in-memory state and streams). With a database, as
/// production builds it on PostgreSQL (<c>AddWorkflowCore</c>, <c>AddWorkflowEvents</c>, <c>UseWorkflowPostgres</c>),
/// on loopback endpoints with free ports and a cluster id of its own.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private readonly bool _events;

    private BenchSilo(IHost host, bool events, BenchDatabase? database)
    {
        _host = host;
        _events = events;
        Database = database;
        Cluster = host.Services.GetRequiredService<IClusterClient>();
        Client = new WorkflowClient(Cluster);
    }

    public IClusterClient Cluster { get; }

    public WorkflowClient Client { get; }

    public IManagementGrain Management => Cluster.GetGrain<IManagementGrain>(0);

    /// <summary>The scenario's database when the silo runs on PostgreSQL; null in memory.</summary>
    public BenchDatabase? Database { get; }

    public static async Task<BenchSilo> StartAsync(BenchSettings settings, BenchDatabase? database = null)
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
            var clusterId = "owf-bench-" + Guid.NewGuid().ToString("N")[..8];
            if (database is not null)
            {
                // As AddWorkflowSilo does with Workflow__Postgres, but on loopback (one silo in this process).
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = "owf-bench";
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
                silo.AddWorkflowCore(builder.Configuration);
                if (settings.Events)
                {
                    silo.AddWorkflowEvents();
                }

                var connectionString = settings.PostgresOptions is { } options ? database.ConnectionString + ";" + options : database.ConnectionString;
                silo.UseWorkflowPostgres(connectionString);
                if (settings.HistoryAsyncCommit)
                {
                    // The experiment: the same store, its connections told not to wait for the WAL flush at commit.
                    silo.Services.RemoveAll<IRunHistoryStore>();
                    silo.Services.AddSingleton<IRunHistoryStore>(_ => new PostgresRunHistory(
                        new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c synchronous_commit=off" }.ConnectionString));
                }
            }
            else if (settings.Events)
            {
                silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "owf-bench", clusterId: clusterId);
                silo.AddWorkflow(builder.Configuration);
            }
            else
            {
                // The experiment: everything but the stream provider; events stay in the publisher's channel.
                silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "owf-bench", clusterId: clusterId);
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
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new BenchSilo(host, settings.Events, database);
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
