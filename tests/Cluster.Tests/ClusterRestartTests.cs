using System.Diagnostics;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>Every silo stops mid-run; a new cluster on the same database takes the runs up where they were.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRestartTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private const int Runs = 12;

    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task EverySiloStopped_MidRun_ThreeNewSilosResumeEveryRunToSuccess(string signal)
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);

        // A short drain, so the graceful stop is quick: steps still running at its deadline are cut and retried later.
        var settings = new Dictionary<string, string> { ["Workflow__DrainTimeout"] = "00:00:02" };
        var first = await cluster.StartSilosAsync(3, settings);
        var client = await cluster.ConnectAsync();
        await ClusterHarness.RegisterAsync(client, Workload.Playbook(
            "restart",
            new TaskSpec("chain", [], new StepSpec("c1", "1"), new StepSpec("c2", "1"), new StepSpec("c3", "1"), new StepSpec("c4", "1")),
            new TaskSpec("side", [], new StepSpec("s1", "1.5")),
            new TaskSpec("last", ["chain", "side"], new StepSpec("z1", "0.5"))));
        var ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => client.StartRunAsync("restart", Workload.Params(cluster.LinesPath))));
        var runs = new RunTracker(client, ids);

        // Mid-run: some steps done, many still to go.
        await Eventually.HoldsAsync(() => cluster.LineCount() >= Runs, $"{Runs} step lines written", () => $"{cluster.LineCount()} lines");
        var linesAtStop = cluster.LineCount();
        var stopping = Stopwatch.StartNew();
        foreach (var silo in first)
        {
            if (signal == "KILL")
            {
                silo.Kill();
            }
            else
            {
                silo.Terminate();
            }
        }

        var exitCodes = await Task.WhenAll(first.Select(s => s.WaitForExitAsync(TimeSpan.FromSeconds(60))));
        cluster.Log($"kill -{signal} of all three silos at {linesAtStop} of {Runs * 6} lines; all exited after {stopping.Elapsed.TotalSeconds:0.0} s with codes {string.Join(", ", exitCodes)}");
        if (signal == "TERM")
        {
            Assert.All(exitCodes, code => Assert.Equal(0, code));
        }

        var linesWhileDown = cluster.LineCount();
        Assert.True(linesWhileDown < Runs * 6, "every run finished before the silos stopped: the test stopped them too late");

        // A whole new cluster on the same database, and a new client (the old one's gateways are gone).
        var restarting = Stopwatch.StartNew();
        await cluster.StartSilosAsync(3, settings);
        runs.Client = await cluster.ConnectAsync();
        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(3));
        cluster.Log($"every run ended {restarting.Elapsed.TotalSeconds:0.0} s after the new silos were started ({linesWhileDown} lines before, {cluster.LineCount()} after)");

        var snapshots = runs.Latest.Values.ToList();

        // Where they were: a step that had finished did not run again. Killed: a step that was running may have
        // finished in its orphaned process and been retried (attempts 2, its line twice). Drained: the cut attempts
        // were killed before they wrote, so every line is there exactly once.
        var problems = Workload.CheckLines(snapshots, cluster.Lines(), retriedExactlyOnce: signal == "TERM");
        await cluster.AssertNoProblemsAsync(runs.Client, problems);
        var retried = snapshots.SelectMany(r => Workload.Steps(r).Where(s => s.Attempts > 1).Select(s => $"{r.Id} {s.Id}:{s.Attempts}")).ToList();
        cluster.Log($"{retried.Count} steps ran more than once: {string.Join(", ", retried.Take(10))}");
        cluster.Passed();
    }
}
