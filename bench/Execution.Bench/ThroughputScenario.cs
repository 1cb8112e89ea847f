using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// Many runs of a few no-op steps started together (start calls bounded to a number in flight); the wall time
/// runs from the first start call until the last run has ended.
/// </summary>
internal static class ThroughputScenario
{
    public const double TargetStepsPerSecond = 10_000;
    public const double PostgresTargetStepsPerSecond = 1_000;
    private const int WarmupRuns = 500;
    private const int WarmupRounds = 2;

    public static async Task RunAsync(BenchSilo silo, BenchSettings settings, Probe probe, Report report)
    {
        var runs = settings.Runs;
        var stepsPerRun = settings.RunSteps;
        var steps = runs * stepsPerRun;
        report.Heading($"throughput: {runs:N0} runs of {stepsPerRun} no-op steps, started together ({settings.Concurrency} start calls in flight)");

        var name = $"bench-tp-{stepsPerRun}";
        await silo.RegisterAsync(name, BenchPlaybooks.Sequential(name, stepsPerRun, settings.Plugin));
        for (var round = 0; round < WarmupRounds; round++)
        {
            // Tiered PGO needs many calls and idle time to reach its final code; on a busy machine a short
            // warm-up measures instrumented tier-0 code (about twice the CPU per step).
            await RunAllAsync(silo, name, $"warmup-tp-{round}-", WarmupRuns, settings.Concurrency);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var target = silo.Database is null ? TargetStepsPerSecond : PostgresTargetStepsPerSecond;
        var database = silo.Database is { } db ? await DatabaseWindow.OpenAsync(db) : null;
        var prefix = "tp-" + Guid.NewGuid().ToString("N")[..8] + "-";
        probe.Reset();
        var window = new ResourceWindow();
        var measured = await RunAllAsync(silo, name, prefix, runs, settings.Concurrency);
        window.Stop();
        var calls = probe.Read();
        var pool = probe.Pool?.Read(steps) ?? [];
        var written = database is null ? [] : await database.CloseAsync(
            steps, window.Wall, calls.TryGetValue("orleans-storage-write-latency", out var writes) ? writes.Count : 0, prefix, SequentialScenario.TargetWritesPerStep, steadyState: false);

        var snapshots = new ConcurrentBag<RunSnapshot>();
        await Parallel.ForEachAsync(measured.RunIds, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (id, _) =>
            snapshots.Add(await silo.Client.GetSnapshotAsync(id)));
        var succeeded = snapshots.Count(s => s.Status == WorkStatus.Succeeded);
        var latencies = new Distribution(snapshots.Select(s => (s.EndedAt!.Value - s.StartedAt!.Value).TotalMilliseconds));
        var serverWall = (snapshots.Max(s => s.EndedAt!.Value) - snapshots.Min(s => s.StartedAt!.Value)).TotalSeconds;
        var perSecond = steps / window.Wall.TotalSeconds;

        report.Table(
        [
            new Row("runs succeeded", string.Create(Report.Invariant, $"{succeeded:N0} / {runs:N0}"), "all", Report.Verdict(succeeded == runs)),
            new Row("steps per second (client wall)", string.Create(Report.Invariant, $"{perSecond:N0}"), string.Create(Report.Invariant, $"≥ {target:N0} steps/s"), Report.Verdict(perSecond >= target)),
            new Row("wall time, first start to last end", string.Create(Report.Invariant, $"{window.Wall.TotalSeconds:F2} s")),
            new Row("wall time, first run started_at to last ended_at", string.Create(Report.Invariant, $"{serverWall:F2} s")),
            new Row("all start calls returned after", string.Create(Report.Invariant, $"{measured.StartsDone.TotalSeconds:F2} s")),
            new Row("start call, p50 / p99", $"{Report.Ms(measured.StartCalls.Percentile(50))} / {Report.Ms(measured.StartCalls.Percentile(99))}"),
            new Row("run duration (started_at to ended_at), p50 / p99", $"{Report.Ms(latencies.Percentile(50))} / {Report.Ms(latencies.Percentile(99))}"),
            new Row("wall time per step", Report.Ms(window.Wall.TotalMilliseconds / steps)),
            .. Report.Costs(window, calls, steps),
            .. pool,
            .. written,
        ]);
        report.Calls(calls, steps);
    }

    private static async Task<(List<string> RunIds, Distribution StartCalls, TimeSpan StartsDone)> RunAllAsync(BenchSilo silo, string playbook, string prefix, int runs, int concurrency)
    {
        var ids = Enumerable.Range(0, runs).Select(i => prefix + i.ToString("D6", Report.Invariant)).ToList();
        var ends = new ConcurrentBag<Task>();
        var startCalls = new ConcurrentBag<double>();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var began = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
        {
            var called = Stopwatch.GetTimestamp();
            await silo.Client.StartRunAsync(playbook, null, new Client.StartRunOptions { RunId = id });
            startCalls.Add(Stopwatch.GetElapsedTime(called).TotalMilliseconds);
            ends.Add(WaitForEndAsync(silo, id, limit.Token));
        });
        var startsDone = Stopwatch.GetElapsedTime(began);
        await Task.WhenAll(ends);
        return (ids, new Distribution(startCalls), startsDone);
    }

    private static async Task WaitForEndAsync(BenchSilo silo, string runId, CancellationToken cancellationToken)
    {
        var run = silo.Cluster.GetGrain<IRunGrain>(runId);
        while (await run.WaitForEndAsync(TimeSpan.FromSeconds(20)).WaitAsync(cancellationToken) is { } status && !status.IsFinal())
        {
        }
    }
}
