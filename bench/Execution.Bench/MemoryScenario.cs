using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// Bytes per run held waiting on a signal: active (run, task and step activations), then idle (every activation
/// collected while they wait), then, after the signal, ended and collected. <c>GC.GetTotalMemory(true)</c> against a
/// baseline taken after a warm-up, divided by the number of runs. With in-memory storage the idle figure includes
/// the stored state, which a PostgreSQL silo would not hold.
/// </summary>
internal static class MemoryScenario
{
    private const string Playbook = "bench-wait";
    private const string Signal = "go";
    private const int WarmupRuns = 20;

    public static async Task RunAsync(BenchSilo silo, BenchSettings settings, Probe probe, Report report)
    {
        var runs = settings.Waiting;
        report.Heading($"memory: {runs:N0} runs waiting on a signal");
        await silo.RegisterAsync(Playbook, BenchPlaybooks.WaitForSignal(Playbook, Signal));

        var warmup = await StartAllAsync(silo, "warmup-mem-", WarmupRuns, settings.Concurrency);
        await WaitUntilAsync(silo, warmup, IsWaiting, settings.Concurrency);
        await SignalAllAsync(silo, warmup, settings.Concurrency);
        await WaitUntilAsync(silo, warmup, s => s.Status.IsFinal(), settings.Concurrency);
        await CollectAsync(silo);

        var baseline = Heap();
        var before = await silo.ActivationsAsync();
        probe.Reset();
        var starting = Stopwatch.StartNew();
        var ids = await StartAllAsync(silo, "mem-" + Guid.NewGuid().ToString("N")[..8] + "-", runs, settings.Concurrency);
        await WaitUntilAsync(silo, ids, IsWaiting, settings.Concurrency);
        starting.Stop();
        await Task.Delay(TimeSpan.FromSeconds(1)); // the last plugins register their signal waits
        var active = Heap() - baseline;
        var activeActivations = await silo.ActivationsAsync();

        var collecting = Stopwatch.StartNew();
        await CollectAsync(silo);
        collecting.Stop();
        var idle = Heap() - baseline;
        var idleActivations = await silo.ActivationsAsync();

        var signalling = Stopwatch.StartNew();
        await SignalAllAsync(silo, ids, settings.Concurrency);
        var ended = await WaitUntilAsync(silo, ids, s => s.Status.IsFinal(), settings.Concurrency);
        signalling.Stop();
        var succeeded = ended.Count(s => s.Status == WorkStatus.Succeeded);
        var failures = ended.Where(s => s.Status != WorkStatus.Succeeded).GroupBy(s => s.Error?.Message ?? s.Status.Name()).OrderByDescending(g => g.Count()).ToList();
        await CollectAsync(silo);
        var done = Heap() - baseline;
        var doneActivations = await silo.ActivationsAsync();
        var calls = probe.Read();

        report.Table(
        [
            new Row("bytes per active waiting run", Report.Bytes(active / (double)runs)),
            new Row("bytes per idle waiting run (activations collected; includes in-memory storage)", Report.Bytes(idle / (double)runs)),
            new Row("bytes per ended run, collected (in-memory storage and leftovers)", Report.Bytes(done / (double)runs)),
            new Row("extra managed heap: active / idle / ended", $"{Report.Bytes(active)} / {Report.Bytes(idle)} / {Report.Bytes(done)}"),
            new Row("activations: before / active / idle / ended", $"{Total(before)} / {Total(activeActivations)} / {Total(idleActivations)} / {Total(doneActivations)}"),
            new Row("time to start all and see them waiting", string.Create(Report.Invariant, $"{starting.Elapsed.TotalSeconds:F2} s")),
            new Row("time to collect activations", string.Create(Report.Invariant, $"{collecting.Elapsed.TotalSeconds:F2} s")),
            new Row("succeeded after the signal (signal sent to collected runs)", string.Create(Report.Invariant, $"{succeeded:N0} / {runs:N0}"), "all", Report.Verdict(succeeded == runs)),
            new Row("signal to all ended", string.Create(Report.Invariant, $"{signalling.Elapsed.TotalSeconds:F2} s")),
            .. failures.Take(3).Select(f => new Row($"not succeeded: {f.Key}", string.Create(Report.Invariant, $"{f.Count():N0}"))),
            new Row("storage writes per run (start, wait, signal, end)", Report.Number(calls.GetValueOrDefault("orleans-storage-write-latency").Count / (double)runs)),
        ]);
        report.Line("activations by grain class (active → idle → ended):");
        report.Line();
        report.Line("| grain class | active | idle | ended |");
        report.Line("|---|---:|---:|---:|");
        foreach (var (type, count) in activeActivations.Take(12))
        {
            report.Line(string.Create(Report.Invariant, $"| {type} | {count:N0} | {Count(idleActivations, type):N0} | {Count(doneActivations, type):N0} |"));
        }

        report.Line();
    }

    private static bool IsWaiting(RunSnapshot snapshot) =>
        snapshot.Status == WorkStatus.Running && snapshot.Tasks.SingleOrDefault()?.Steps.SingleOrDefault()?.Status == WorkStatus.Running;

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Collects every activation idle now, and waits until the count has not changed for a second.</summary>
    private static async Task CollectAsync(BenchSilo silo)
    {
        await silo.Management.ForceActivationCollection(TimeSpan.Zero);
        var last = -1;
        var unchanged = 0;
        for (var i = 0; i < 100 && unchanged < 5; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            var now = Total(await silo.ActivationsAsync());
            unchanged = now == last ? unchanged + 1 : 0;
            last = now;
        }
    }

    private static async Task<List<string>> StartAllAsync(BenchSilo silo, string prefix, int runs, int concurrency)
    {
        var ids = Enumerable.Range(0, runs).Select(i => prefix + i.ToString("D6", Report.Invariant)).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
            await silo.Client.StartRunAsync(Playbook, null, new Client.StartRunOptions { RunId = id }));
        return ids;
    }

    private static Task SignalAllAsync(BenchSilo silo, List<string> ids, int concurrency) =>
        Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
            await silo.Client.SignalAsync(id, Signal, "{\"ok\": true}"));

    private static async Task<List<RunSnapshot>> WaitUntilAsync(BenchSilo silo, List<string> ids, Func<RunSnapshot, bool> condition, int concurrency)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var snapshots = await SnapshotsAsync(silo, ids, concurrency);
            if (snapshots.All(condition) || deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                return snapshots;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<List<RunSnapshot>> SnapshotsAsync(BenchSilo silo, List<string> ids, int concurrency)
    {
        var snapshots = new ConcurrentBag<RunSnapshot>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
            snapshots.Add(await silo.Client.GetSnapshotAsync(id)));
        return [.. snapshots];
    }

    private static int Total(IReadOnlyList<(string GrainType, int Activations)> activations) => activations.Sum(a => a.Activations);

    private static int Count(IReadOnlyList<(string GrainType, int Activations)> activations, string type) =>
        activations.FirstOrDefault(a => a.GrainType == type).Activations;
}
