using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Workflow.Client;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Hosting;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>
/// One test's cluster: a database of its own on a real PostgreSQL, silo processes on it, clients (separate client
/// hosts that find the gateways in the membership table), and a temp directory for the silos' logs and the
/// files steps write. Disposing kills every silo still running (even when the test failed), stops the clients
/// and deletes the directory; unless the test called <see cref="Passed"/>, the end of every silo log is written
/// to the test's output first (<c>OWF_KEEP_TEST_DIRS=1</c> keeps the directory).
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    public const string ClusterId = WorkflowSiloOptions.DefaultClusterId;
    public const string ServiceId = WorkflowSiloOptions.DefaultServiceId;

    private readonly List<SiloProcess> _silos = [];
    private readonly List<IHost> _clients = [];
    private readonly ITestOutputHelper _output;
    private bool _passed;

    private ClusterHarness(PostgresServer server, string connectionString, string directory, ITestOutputHelper output)
    {
        Server = server;
        ConnectionString = connectionString;
        Directory = directory;
        _output = output;
    }

    public PostgresServer Server { get; }

    /// <summary>The test's own database: what the silos' <c>Workflow__Postgres</c> and <c>owf --cluster</c> get.</summary>
    public string ConnectionString { get; }

    public string Directory { get; }

    /// <summary>Every silo this test started, in order.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The silos not exited.</summary>
    public IReadOnlyList<SiloProcess> Running => _silos.Where(s => !s.HasExited).ToList();

    /// <summary>The file the test playbooks' shell steps append their lines to.</summary>
    public string LinesPath => Path.Combine(Directory, "lines.txt");

    public static async Task<ClusterHarness> CreateAsync(PostgresServer server, ITestOutputHelper output)
    {
        var database = await server.CreateDatabaseAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory("owf-cluster-").FullName;
        return new ClusterHarness(server, database, directory, output);
    }

    /// <summary>Starts <paramref name="count"/> silos at once and waits until every one is ready.</summary>
    public async Task<IReadOnlyList<SiloProcess>> StartSilosAsync(int count, IReadOnlyDictionary<string, string>? settings = null)
    {
        var started = new List<SiloProcess>();
        for (var i = 0; i < count; i++)
        {
            var silo = SiloProcess.Start($"silo{_silos.Count + 1}", ConnectionString, Directory, settings);
            _silos.Add(silo);
            started.Add(silo);
        }

        await Task.WhenAll(started.Select(s => s.WaitReadyAsync()));
        _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} started {string.Join(", ", started.Select(s => $"{s.Name} (pid {s.Pid}, silo port {s.SiloPort})"))}");
        return started;
    }

    /// <summary>A new client host of the cluster, as an application would build one; stopped when the harness is disposed.</summary>
    public async Task<WorkflowClient> ConnectAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .AddWorkflowClient(o =>
            {
                o.Postgres = ConnectionString;
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15)));
        var host = builder.Build();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(deadline.Token);
        _clients.Add(host);
        return new WorkflowClient(host.Services.GetRequiredService<IClusterClient>());
    }

    private static async Task StopClientAsync(IHost client)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or ObjectDisposedException)
        {
            // It had nobody left to talk to.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Registers a playbook through <paramref name="client"/>.</summary>
    public static async Task RegisterAsync(WorkflowClient client, string yaml)
    {
        var name = yaml.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("name:", StringComparison.Ordinal))["name:".Length..].Trim();
        await client.RegisterPlaybookAsync(name, yaml, name + ".yaml");
    }

    /// <summary>How often each step's line ("&lt;run&gt; &lt;step&gt;") appears in <see cref="LinesPath"/>.</summary>
    public IReadOnlyDictionary<string, int> Lines() =>
        LineRecords().GroupBy(l => l.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The lines of <see cref="LinesPath"/> in order: the step ("&lt;run&gt; &lt;step&gt;") and the pid of the silo that ran it.</summary>
    public IReadOnlyList<(string Key, int Pid)> LineRecords()
    {
        if (!File.Exists(LinesPath))
        {
            return [];
        }

        return File.ReadAllLines(LinesPath)
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' '))
            .Select(f => (Key: $"{f[0]} {f[1]}", Pid: f.Length > 2 && int.TryParse(f[2], System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : 0))
            .ToList();
    }

    public int LineCount() => File.Exists(LinesPath) ? File.ReadAllLines(LinesPath).Count(l => l.Length > 0) : 0;

    /// <summary>Rows of a query on the test's database, columns joined by '|'.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    /// <summary>The membership table's status of the silo on <paramref name="siloPort"/> (Orleans' SiloStatus: 3 Active, 6 Dead), null if not there.</summary>
    public async Task<int?> MembershipStatusAsync(int siloPort)
    {
        var rows = await RowsAsync($"SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = '{ClusterId}' AND Port = {siloPort} ORDER BY Generation DESC LIMIT 1");
        return rows.Count == 0 ? null : int.Parse(rows[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Fails with <paramref name="problems"/> unless there are none; first writes the stored history of (up to
    /// three of) the runs they name to the test's output, and which silo wrote each of their lines.
    /// </summary>
    public async Task AssertNoProblemsAsync(WorkflowClient client, IReadOnlyList<string> problems)
    {
        if (problems.Count == 0)
        {
            return;
        }

        var silos = _silos.ToDictionary(s => s.Pid, s => s.Name);
        foreach (var runId in problems.Select(p => p.Split(' ')[0]).Where(id => id.Length == 26).Distinct(StringComparer.Ordinal).Take(3))
        {
            _output.WriteLine($"---- run {runId}: lines {string.Join(", ", LineRecords().Where(l => l.Key.StartsWith(runId, StringComparison.Ordinal)).Select(l => $"{l.Key.Split(' ')[1]}@{silos.GetValueOrDefault(l.Pid, l.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))}"))}");
            try
            {
                foreach (var stored in await client.GetHistoryAsync(runId))
                {
                    var e = stored.Event;
                    _output.WriteLine($"  {e.Timestamp:HH:mm:ss.fff} {e.Kind} {e.Task}{(e.Index is { } i ? $"[{i}]" : string.Empty)}.{e.Step} #{e.Attempt} {e.Message}");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _output.WriteLine($"  (history unreadable: {ex.Message})");
            }
        }

        Assert.Fail(string.Join("\n", problems));
    }

    public void Log(string message) => _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");

    /// <summary>The test got to its end: no need to show the silo logs.</summary>
    public void Passed() => _passed = true;

    public async ValueTask DisposeAsync()
    {
        // Clients first, while their gateways still answer (a client whose cluster is gone takes long to stop);
        // then every silo still running is killed, whatever state the test left it in.
        await Task.WhenAll(_clients.Select(StopClientAsync));
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()));

        if (!_passed)
        {
            foreach (var silo in _silos)
            {
                _output.WriteLine($"---- {silo.Name} (pid {silo.Pid}, silo port {silo.SiloPort}), last lines of {silo.LogPath}:");
                _output.WriteLine(silo.Tail(60));
            }
        }

        if (Environment.GetEnvironmentVariable("OWF_KEEP_TEST_DIRS") is not { Length: > 0 })
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A step process left behind may still write here; not worth failing a test for.
            }
        }
        else
        {
            _output.WriteLine($"kept {Directory}");
        }
    }
}
