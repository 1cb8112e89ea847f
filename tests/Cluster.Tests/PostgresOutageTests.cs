using System.Diagnostics;
using System.Net;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>PostgreSQL goes away for 20 s mid-run and comes back: the silos ride it out and the runs finish.</summary>
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Runs = 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    // A server of its own: this test stops it.
    private readonly PostgresServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task PostgresStoppedFor20Seconds_MidRun_SilosStayUpAndEveryRunSucceeds()
    {
        await using var cluster = await ClusterHarness.CreateAsync(_server, output);
        var silos = await cluster.StartSilosAsync(3);
        var client = await cluster.ConnectAsync();
        await ClusterHarness.RegisterAsync(client, Workload.Playbook(
            "outage",
            new TaskSpec("chain", [], new StepSpec("c1", "1"), new StepSpec("c2", "1"), new StepSpec("c3", "1"), new StepSpec("c4", "1")),
            new TaskSpec("side", [], new StepSpec("s1", "2"))));
        var ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => client.StartRunAsync("outage", Workload.Params(cluster.LinesPath))));
        var runs = new RunTracker(client, ids);
        await Eventually.HoldsAsync(() => cluster.LineCount() >= Runs, $"{Runs} step lines written", () => $"{cluster.LineCount()} lines");

        var linesAtStop = cluster.LineCount();
        await _server.StopAsync();
        var down = Stopwatch.StartNew();
        cluster.Log($"PostgreSQL stopped at {linesAtStop} of {Runs * 5} lines");

        // While it is down, every silo stays up and answers its health check; the runs cannot get far.
        var healthChecks = 0;
        while (down.Elapsed < Outage)
        {
            foreach (var silo in silos)
            {
                Assert.False(silo.HasExited, $"{silo.Name} exited with code {(silo.HasExited ? silo.ExitCode : 0)} while PostgreSQL was down:\n{silo.Tail(30)}");
                Assert.Equal(HttpStatusCode.OK, await silo.GetAsync("/healthz"));
                healthChecks++;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var linesWhileDown = cluster.LineCount();
        await _server.StartAsync();
        var up = Stopwatch.StartNew();
        cluster.Log($"PostgreSQL started again after {down.Elapsed.TotalSeconds:0.0} s ({healthChecks} health checks passed meanwhile); {linesWhileDown} lines");

        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(4));
        cluster.Log($"every run ended {up.Elapsed.TotalSeconds:0.0} s after PostgreSQL came back");

        var snapshots = runs.Latest.Values.ToList();
        var problems = Workload.CheckLines(snapshots, cluster.Lines());
        await cluster.AssertNoProblemsAsync(runs.Client, problems);
        foreach (var silo in silos)
        {
            Assert.False(silo.HasExited, $"{silo.Name} exited after PostgreSQL came back:\n{silo.Tail(30)}");
            Assert.Equal(HttpStatusCode.OK, await silo.GetAsync("/healthz"));
        }

        // The logs say what happened.
        var said = silos.SelectMany(s => s.Log().Split('\n').Where(Unreachable).Select(l => $"{s.Name}: {l.Trim()}")).ToList();
        Assert.True(said.Count > 0, "no silo log says the database was unreachable");
        foreach (var line in said.Take(8))
        {
            cluster.Log(line.Length > 300 ? line[..300] + "…" : line);
        }

        var retried = snapshots.SelectMany(r => Workload.Steps(r).Where(s => s.Attempts > 1).Select(s => $"{r.Id} {s.Id}:{s.Attempts}")).ToList();
        cluster.Log($"{said.Count} log lines about the database; {retried.Count} steps ran more than once: {string.Join(", ", retried.Take(10))}");
        cluster.Passed();
    }

    private static bool Unreachable(string line) =>
        line.Contains("cannot write its state", StringComparison.Ordinal)
        || line.Contains("Failed to connect", StringComparison.OrdinalIgnoreCase)
        || line.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
        || line.Contains("terminating connection due to administrator command", StringComparison.Ordinal);
}
