using System.Diagnostics;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// One run of N sequential no-op steps. Per-step overhead from the snapshot's timestamps: the interval from one
/// step's end to the next step's end, its two parts (hand-off: previous end to this start; step: start to end),
/// and the run's wall time divided by N.
/// </summary>
internal static class SequentialScenario
{
    public const double TargetP50Ms = 1.0;
    public const double PostgresTargetP50Ms = 5.0;
    public const double TargetWritesPerStep = 2;
    private const int WarmupSteps = 300;

    public static async Task RunAsync(BenchSilo silo, BenchSettings settings, Probe probe, Report report)
    {
        var steps = settings.SequentialSteps;
        report.Heading($"sequential: one run of {steps:N0} no-op steps");

        await silo.RegisterAsync("bench-warmup", BenchPlaybooks.Sequential("bench-warmup", WarmupSteps, settings.Plugin));
        await RunOnceAsync(silo, "bench-warmup", "warmup-seq");
        await Task.Delay(TimeSpan.FromSeconds(1)); // Lets the JIT finish its tier-1 compilations.

        var name = $"bench-seq-{steps}";
        var registering = Stopwatch.StartNew();
        await silo.RegisterAsync(name, BenchPlaybooks.Sequential(name, steps, settings.Plugin));
        registering.Stop();

        var target = silo.Database is null ? TargetP50Ms : PostgresTargetP50Ms;
        var database = silo.Database is { } db ? await DatabaseWindow.OpenAsync(db) : null;
        var runId = "seq-" + Guid.NewGuid().ToString("N")[..8];
        probe.Reset();
        var window = new ResourceWindow();
        var measured = await RunOnceAsync(silo, name, runId);
        window.Stop();
        var calls = probe.Read();
        var pool = probe.Pool?.Read(steps) ?? [];
        var written = database is null ? [] : await database.CloseAsync(
            steps, window.Wall, calls.TryGetValue("orleans-storage-write-latency", out var writes) ? writes.Count : 0, runId, TargetWritesPerStep, steadyState: true);

        var snapshotting = Stopwatch.StartNew();
        var snapshot = await silo.Client.GetSnapshotAsync(measured.RunId);
        snapshotting.Stop();

        var recorded = snapshot.Tasks.Single().Steps;
        var ends = recorded.Select(s => s.EndedAt!.Value).ToArray();
        var starts = recorded.Select(s => s.StartedAt!.Value).ToArray();
        var intervals = new Distribution(Enumerable.Range(1, ends.Length - 1).Select(i => (ends[i] - ends[i - 1]).TotalMilliseconds));
        var handoffs = new Distribution(Enumerable.Range(1, ends.Length - 1).Select(i => (starts[i] - ends[i - 1]).TotalMilliseconds));
        var durations = new Distribution(Enumerable.Range(0, ends.Length).Select(i => (ends[i] - starts[i]).TotalMilliseconds));
        var tenth = Math.Max(1, (ends.Length - 1) / 10);
        var firstTenth = new Distribution(Enumerable.Range(1, tenth).Select(i => (ends[i] - ends[i - 1]).TotalMilliseconds));
        var lastTenth = new Distribution(Enumerable.Range(ends.Length - tenth, tenth).Select(i => (ends[i] - ends[i - 1]).TotalMilliseconds));
        var runWall = (snapshot.EndedAt!.Value - snapshot.StartedAt!.Value).TotalMilliseconds;

        report.Table(
        [
            new Row("run status", snapshot.Status.Name(), "succeeded", Report.Verdict(snapshot.Status == WorkStatus.Succeeded && recorded.All(s => s.Status == WorkStatus.Succeeded))),
            new Row("step-to-step interval (end to end), p50", Report.Ms(intervals.Percentile(50)), string.Create(Report.Invariant, $"≤ {target:N0} ms p50"), Report.Verdict(intervals.Percentile(50) <= target)),
            new Row("step-to-step interval, p90", Report.Ms(intervals.Percentile(90))),
            new Row("step-to-step interval, p99", Report.Ms(intervals.Percentile(99))),
            new Row("step-to-step interval, max", Report.Ms(intervals.Max)),
            new Row("step-to-step interval, mean", Report.Ms(intervals.Mean)),
            new Row(string.Create(Report.Invariant, $"interval mean, first {tenth} steps"), Report.Ms(firstTenth.Mean)),
            new Row(string.Create(Report.Invariant, $"interval mean, last {tenth} steps"), Report.Ms(lastTenth.Mean)),
            new Row("hand-off (previous end to start), p50 / p99", $"{Report.Ms(handoffs.Percentile(50))} / {Report.Ms(handoffs.Percentile(99))}"),
            new Row("step (start to end), p50 / p99", $"{Report.Ms(durations.Percentile(50))} / {Report.Ms(durations.Percentile(99))}"),
            new Row("client wall time / steps", Report.Ms(measured.Wall.TotalMilliseconds / steps)),
            new Row("run wall time (started_at to ended_at) / steps", Report.Ms(runWall / steps)),
            new Row("client wall time", string.Create(Report.Invariant, $"{measured.Wall.TotalSeconds:F2} s")),
            new Row("register playbook / read snapshot", string.Create(Report.Invariant, $"{registering.Elapsed.TotalMilliseconds:F0} ms / {snapshotting.Elapsed.TotalMilliseconds:F0} ms")),
            .. Report.Costs(window, calls, steps),
            .. pool,
            .. written,
        ]);
        report.Calls(calls, steps);
    }

    private static async Task<(string RunId, TimeSpan Wall)> RunOnceAsync(BenchSilo silo, string playbook, string runId)
    {
        var started = Stopwatch.GetTimestamp();
        await silo.Client.StartRunAsync(playbook, null, new Client.StartRunOptions { RunId = runId });
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var run = silo.Cluster.GetGrain<IRunGrain>(runId);
        while (await run.WaitForEndAsync(TimeSpan.FromSeconds(20)).WaitAsync(limit.Token) is { } status && !status.IsFinal())
        {
        }

        return (runId, Stopwatch.GetElapsedTime(started));
    }
}
