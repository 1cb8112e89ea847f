using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Runtime;
using Orleans.Workflow.Client;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Cli.Connection;

/// <summary>
/// What an <c>owf</c> command talks to: a cluster (<c>--cluster CONNECTION_STRING</c> or <c>OWF_CLUSTER</c>: the
/// PostgreSQL database its silos use, where the client finds their gateways), or else an embedded silo in this
/// process, whose state ends with the process.
/// </summary>
public sealed class OwfConnection : IAsyncDisposable
{
    /// <summary>The environment variable that names the cluster when <c>--cluster</c> is not given.</summary>
    public const string ClusterVariable = "OWF_CLUSTER";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly IAsyncDisposable _owner;

    private OwfConnection(WorkflowClient client, IAsyncDisposable owner, string? cluster)
    {
        Client = client;
        _owner = owner;
        Cluster = cluster;
    }

    public WorkflowClient Client { get; }

    /// <summary>The cluster's connection string, or null for the embedded silo.</summary>
    public string? Cluster { get; }

    public bool IsEmbedded => Cluster is null;

    /// <summary>The cluster to use: the option's value, else <c>OWF_CLUSTER</c>, else null (embedded).</summary>
    public static string? ClusterFrom(string? option) =>
        option is { Length: > 0 } ? option : Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;

    public static async Task<OwfConnection> OpenAsync(string? cluster, CancellationToken cancellationToken)
    {
        if (cluster is null)
        {
            var embedded = await EmbeddedCluster.StartAsync(cancellationToken);
            return new OwfConnection(embedded.Client, embedded, null);
        }

        var host = await ConnectAsync(cluster, cancellationToken);
        return new OwfConnection(new WorkflowClient(host.Services.GetRequiredService<IClusterClient>()), new HostOwner(host), cluster);
    }

    public ValueTask DisposeAsync() => _owner.DisposeAsync();

    /// <summary>Where the commands go, for messages: "the cluster at host:port/db" or "the embedded silo".</summary>
    public string Describe() => Cluster is null ? "the embedded silo" : $"the cluster at {Where(Cluster)}";

    public static string Where(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "(an unreadable connection string)";
        }
    }

    private static async Task<IHost> ConnectAsync(string cluster, CancellationToken cancellationToken)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(cluster);
        }
        catch (ArgumentException ex)
        {
            throw new OwfConnectionException($"--cluster is not a PostgreSQL connection string ({ex.Message}); for example: Host=db;Port=5432;Username=owf;Password=...;Database=owf");
        }

        // The cluster id and service id come from the environment (Workflow__ClusterId), as the silos' do.
        var builder = OwfHost.CreateBuilder(LogLevel.Critical, quietOrleans: false);
        var clusterId = WorkflowClientOptions.DefaultClusterId;
        try
        {
            builder.UseOrleansClient(client => client.AddWorkflowClient(o =>
            {
                o.Postgres = cluster;
                clusterId = o.ClusterId;
            }));
        }
        catch (OrleansConfigurationException ex)
        {
            throw new OwfConnectionException($"cannot connect to the cluster: {ex.Message}");
        }

        var host = builder.Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(deadline.Token);
            return host;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var reason = ex is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message;
            throw new OwfConnectionException(
                $"cannot reach cluster '{clusterId}' through PostgreSQL at {Where(cluster)}: {reason}. " +
                $"Is a silo running with Workflow__Postgres set to this database (dotnet run --project src/Silo)?");
        }
    }

    private sealed class HostOwner(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(stop.Token);
            host.Dispose();
        }
    }
}

/// <summary>The cluster could not be reached; the message says where and what to check.</summary>
public sealed class OwfConnectionException : Exception
{
    public OwfConnectionException()
    {
    }

    public OwfConnectionException(string message)
        : base(message)
    {
    }

    public OwfConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
