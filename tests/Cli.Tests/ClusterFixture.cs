using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Workflow.Client;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>
/// A cluster for the <c>owf</c> cluster commands: a throw-away PostgreSQL and one silo in this process on it (the
/// way <c>dotnet run --project src/Silo</c> runs one), shared by the classes of <see cref="ClusterCollection"/> (one
/// at a time: the cluster id is a process-wide environment variable). <c>owf</c> finds it through
/// <see cref="ConnectionString"/> (<c>--cluster</c>) and reads the cluster id from <c>Workflow__ClusterId</c>, which
/// this fixture sets for the process while it lives.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string ClusterIdVariable = "Workflow__ClusterId";

    private readonly PostgresServer _server = new();
    private readonly string? _clusterIdBefore = Environment.GetEnvironmentVariable(ClusterIdVariable);
    private IHost? _silo;

    public string ConnectionString { get; private set; } = null!;

    /// <summary>The silo's own client, for setting runs up and checking on them.</summary>
    public WorkflowClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        ConnectionString = await _server.CreateDatabaseAsync();
        var clusterId = "owf-cli-" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(ClusterIdVariable, clusterId);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.AddWorkflowSilo(options =>
        {
            options.Postgres = ConnectionString;
            options.SiloPort = FreePort();
            options.GatewayPort = FreePort();
            options.HttpPort = 0;
            options.AdvertisedAddress = "127.0.0.1";
            options.ClusterId = clusterId;
            options.DrainTimeout = TimeSpan.FromSeconds(2);
        }));
        _silo = builder.Build();
        await _silo.StartAsync();
        Client = new WorkflowClient(_silo.Services.GetRequiredService<IClusterClient>());
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _silo.StopAsync(timeout.Token);
            }
            finally
            {
                _silo.Dispose();
            }
        }

        await _server.DisposeAsync();
        Environment.SetEnvironmentVariable(ClusterIdVariable, _clusterIdBefore);
    }

    /// <summary>Runs <c>owf</c> in process against this cluster (<c>--cluster</c> appended).</summary>
    public Task<CliResult> OwfAsync(params string[] args) => CliKit.RunAsync([.. args, "--cluster", ConnectionString]);

    /// <summary>Waits until the step's status is <paramref name="status"/>.</summary>
    public Task StepIsAsync(string runId, string task, string step, WorkStatus status) =>
        Poll.UntilAsync(
            async () => (await Client.GetSnapshotAsync(runId)).Tasks.FirstOrDefault(t => t.Id == task)?.Steps.FirstOrDefault(s => s.Id == step)?.Status == status,
            $"step {task}.{step} of run {runId} is {status}");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Waits on conditions with a deadline instead of sleeping.</summary>
internal static class Poll
{
    /// <summary>How long anything a test waits for may take (the machine is small and shared).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<string>? lastSeen = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > Patience)
            {
                throw new TimeoutException($"waited {Patience} for: {what}{(lastSeen is null ? string.Empty : "\nlast seen: " + lastSeen())}");
            }

            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, Func<string>? lastSeen = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, lastSeen);
}

/// <summary>The test classes that use <see cref="ClusterFixture"/>: one fixture, classes run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "owf cluster";
}
