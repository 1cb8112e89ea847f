using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Orleans.Workflow.Client;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// <c>schedule-lateness</c>: one playbook with a per-second schedule (<c>* * * * * *</c>, one noop step, the entry's
/// defaults otherwise); for N consecutive ticks after a warm-up, the lateness of each tick's run: its
/// <c>StartedAt</c> (the moment the run grain accepted the start) minus the tick, read from the run snapshots.
/// That covers the grain timer firing late and the schedule grain's call to the run grain.
/// </summary>
internal static class ScheduleLatenessScenario
{
    public const double TargetP99Ms = 1000;
    private const string Playbook = "bench-tick";
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(BenchSilo silo, BenchSettings settings, Report report)
    {
        var ticks = settings.Ticks;
        report.Heading($"schedule-lateness: {ticks:N0} consecutive ticks of a per-second schedule");
        await silo.RegisterAsync(Playbook, ScheduleBenchPlaybooks.Ticking(Playbook));
        await Task.Delay(Warmup); // the first ticks: activations, the JIT

        // The measured ticks: whole seconds from a little after now.
        var now = DateTimeOffset.UtcNow;
        var first = ScheduleBenchPlaybooks.Floor(now) + TimeSpan.FromSeconds(2);
        var measured = Enumerable.Range(0, ticks).Select(i => first + TimeSpan.FromSeconds(i)).ToList();
        var window = new ResourceWindow();
        var load = new List<string>();
        var end = measured[^1] + TimeSpan.FromSeconds(2); // the last tick's run has started by then
        while (DateTimeOffset.UtcNow < end)
        {
            // Progress on stderr (the report on stdout stays a clean table), with the load every 30 s.
            var left = end - DateTimeOffset.UtcNow;
            await Task.Delay(left > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : left.Duration() + TimeSpan.FromMilliseconds(100));
            load.Add(LoadAverage1());
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"schedule-lateness: {Math.Clamp((int)((DateTimeOffset.UtcNow - first).TotalSeconds), 0, ticks)} of {ticks} ticks due, load {load[^1]}"));
        }

        window.Stop();
        await silo.Client.SetPlaybookEnabledAsync(Playbook, false, "bench done");

        var runs = new ConcurrentDictionary<DateTimeOffset, RunSnapshot>();
        await Parallel.ForEachAsync(measured, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (tick, _) =>
        {
            try
            {
                runs[tick] = await silo.Client.GetSnapshotAsync(ScheduleGrain.RunIdOf(Playbook, 0, tick));
            }
            catch (RunNotFoundException)
            {
                // No run for this tick: counted below.
            }
        });

        var started = runs.Where(r => r.Value.StartedAt is not null).ToList();
        var lateness = new Distribution(started.Select(r => (r.Value.StartedAt!.Value - r.Key).TotalMilliseconds));
        var ended = new Distribution(runs.Where(r => r.Value.EndedAt is not null && r.Value.Status == WorkStatus.Succeeded).Select(r => (r.Value.EndedAt!.Value - r.Key).TotalMilliseconds));
        var missing = ticks - runs.Count;
        var statuses = runs.Values.GroupBy(r => r.Status.Name()).Select(g => $"{g.Key} {g.Count()}");
        var worst = started.OrderByDescending(r => r.Value.StartedAt!.Value - r.Key).Take(3)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key:HH:mm:ss} {(r.Value.StartedAt!.Value - r.Key).TotalMilliseconds:F0} ms"));
        var met = missing == 0 && lateness.Percentile(99) <= TargetP99Ms;
        report.Table(
        [
            new Row("ticks measured / with a run", string.Create(CultureInfo.InvariantCulture, $"{ticks:N0} / {runs.Count:N0}"), "all", Report.Verdict(missing == 0)),
            new Row("run status", string.Join(", ", statuses)),
            new Row("lateness (run started − tick), p50", Report.Ms(lateness.Percentile(50))),
            new Row("lateness, p90", Report.Ms(lateness.Percentile(90))),
            new Row("lateness, p99", Report.Ms(lateness.Percentile(99)), string.Create(CultureInfo.InvariantCulture, $"≤ {TargetP99Ms:N0} ms"), Report.Verdict(met)),
            new Row("lateness, max", Report.Ms(lateness.Max)),
            new Row("lateness, min / mean", $"{Report.Ms(lateness.Min)} / {Report.Ms(lateness.Mean)}"),
            new Row("latest ticks", string.Join(", ", worst)),
            new Row("run ended − tick (noop run), p50 / p99", $"{Report.Ms(ended.Percentile(50))} / {Report.Ms(ended.Percentile(99))}"),
            new Row("process CPU / wall (2 cores = 200 %)", Report.Percent(window.Cpu / window.Wall)),
            new Row("window", string.Create(CultureInfo.InvariantCulture, $"{window.Wall.TotalSeconds:F0} s, first tick {first:HH:mm:ss} UTC")),
            new Row("1-min load average during the window (every 30 s)", string.Join(", ", load)),
        ]);
    }

    private static string LoadAverage1() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}

/// <summary>
/// <c>schedule-idle</c> / <c>schedule-idle-hourly</c>: N playbooks with one schedule each that does not fire while
/// measured (<c>0 0 1 1 *</c> or <c>--idle-cron</c>, or an hourly <c>M * * * *</c> with M half an hour from now). First an idle window of
/// the silo with no schedule (the baseline: membership, stream pulling agents, ...), then the N registrations (timed),
/// a wait until every schedule shows with its next tick (<c>ListSchedulesAsync</c>), and an idle window of the same
/// length: process CPU time over the window as a share of one core, working set and the GC heap after a full
/// collection, each against the baseline.
/// </summary>
internal static class ScheduleIdleScenario
{
    public static async Task RunAsync(BenchSilo silo, BenchSettings settings, Report report, bool hourly)
    {
        var count = settings.Schedules;
        var idle = TimeSpan.FromSeconds(settings.IdleSeconds);
        var cron = hourly ? $"{(DateTime.UtcNow.Minute + 30) % 60} * * * *" : settings.IdleCron;
        report.Heading($"schedule-idle{(hourly ? "-hourly" : string.Empty)}: {count:N0} playbooks with one schedule each ('{cron}', UTC), idle for {idle.TotalSeconds:F0} s");

        // Warm-up: one playbook registered and removed from view (disabled), so registration code is jitted.
        await silo.RegisterAsync("bench-idle-warmup", ScheduleBenchPlaybooks.Idle("bench-idle-warmup", cron));
        await silo.Client.SetPlaybookEnabledAsync("bench-idle-warmup", false);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var before = await IdleWindowAsync(idle);
        var activationsBefore = await silo.ActivationsAsync();

        var registering = Stopwatch.StartNew();
        var names = Enumerable.Range(1, count).Select(i => "bench-idle-" + i.ToString("D4", CultureInfo.InvariantCulture)).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (name, _) =>
            await silo.RegisterAsync(name, ScheduleBenchPlaybooks.Idle(name, cron)));
        registering.Stop();

        // Every schedule live, with a next tick after the window.
        var listing = Stopwatch.StartNew();
        List<ScheduleInfo> schedules = [];
        var ours = names.ToHashSet(StringComparer.Ordinal);
        while (listing.Elapsed < TimeSpan.FromMinutes(2))
        {
            schedules = (await silo.Client.ListSchedulesAsync()).Where(s => ours.Contains(s.Playbook)).ToList();
            if (schedules.Count == count && schedules.All(s => s.Enabled && s.NextTick is not null))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        listing.Stop();
        var live = schedules.Count(s => s.Enabled && s.NextTick is not null);
        var nextTick = schedules.Select(s => s.NextTick).Min();
        var activations = await silo.ActivationsAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // the listing's calls settle

        var after = await IdleWindowAsync(idle);
        var fired = (await silo.Client.ListSchedulesAsync()).Where(s => ours.Contains(s.Playbook)).Sum(s => s.Fired);

        report.Table(
        [
            new Row("schedules live (ListSchedulesAsync: enabled, next tick set)", string.Create(CultureInfo.InvariantCulture, $"{live:N0} / {count:N0}"), "all", Report.Verdict(live == count)),
            new Row("register all (one call per playbook, " + settings.Concurrency + " in flight)", string.Create(CultureInfo.InvariantCulture, $"{registering.Elapsed.TotalSeconds:F2} s ({registering.Elapsed.TotalMilliseconds / count:F2} ms per playbook)")),
            new Row("list all schedules once they were registered", string.Create(CultureInfo.InvariantCulture, $"{listing.Elapsed.TotalSeconds:F2} s")),
            new Row("earliest next tick", nextTick is { } next ? next.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "none"),
            new Row("ticks fired during the idle window", string.Create(CultureInfo.InvariantCulture, $"{fired:N0}"), "0", Report.Verdict(fired == 0)),
            new Row("idle CPU, no schedules (% of one core)", Percent1(before.CpuShareOfOneCore)),
            new Row($"idle CPU, {count:N0} schedules (% of one core)", Percent1(after.CpuShareOfOneCore)),
            new Row($"idle CPU added by {count:N0} schedules", Percent1(after.CpuShareOfOneCore - before.CpuShareOfOneCore)),
            new Row("working set: no schedules / with them", $"{Report.Bytes(before.WorkingSet)} / {Report.Bytes(after.WorkingSet)}"),
            new Row("GC heap after a full collection: no schedules / with them", $"{Report.Bytes(before.Heap)} / {Report.Bytes(after.Heap)}"),
            new Row("GC heap per playbook with its schedule (includes in-memory state)", Report.Bytes((after.Heap - before.Heap) / (double)count)),
            new Row("allocated during the idle window: no schedules / with them", $"{Report.Bytes(before.Allocated)} / {Report.Bytes(after.Allocated)}"),
            new Row("GCs gen0/1/2 during the idle window: no schedules / with them", $"{before.Collections} / {after.Collections}"),
            new Row("activations: before / with the schedules", string.Create(CultureInfo.InvariantCulture, $"{activationsBefore.Sum(a => a.Activations):N0} / {activations.Sum(a => a.Activations):N0}")),
        ]);
        report.Line("activations by grain class with the schedules: " + string.Join(", ", activations.Take(6).Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.GrainType} {a.Activations:N0}"))));
        report.Line();
    }

    private static string Percent1(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F2} %");

    /// <summary>An idle window of the process: CPU, allocations and collections over it; working set and heap after it.</summary>
    private static async Task<IdleFigures> IdleWindowAsync(TimeSpan length)
    {
        Heap(); // a full collection first, so the window does not pay for the garbage before it
        var window = new ResourceWindow();
        await Task.Delay(length);
        window.Stop();
        var heap = Heap();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new IdleFigures(
            window.Cpu / window.Wall,
            process.WorkingSet64,
            heap,
            window.Allocated,
            string.Create(CultureInfo.InvariantCulture, $"{window.Collections[0]}/{window.Collections[1]}/{window.Collections[2]}"));
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private sealed record IdleFigures(double CpuShareOfOneCore, long WorkingSet, long Heap, long Allocated, string Collections);
}

/// <summary>The playbooks of the schedule scenarios.</summary>
internal static class ScheduleBenchPlaybooks
{
    /// <summary>A per-second schedule (6 fields, seconds first) and one noop step.</summary>
    public static string Ticking(string name) => $"""
        name: {name}
        description: A run every second (generated by Execution.Bench)
        on:
          schedule:
            - cron: "* * * * * *"
        tasks:
          tick:
            steps:
              - {"{"} id: noop, uses: noop {"}"}

        """;

    /// <summary>One schedule on <paramref name="cron"/> and one noop step.</summary>
    public static string Idle(string name, string cron) => $"""
        name: {name}
        description: A schedule that does not fire while measured (generated by Execution.Bench)
        on:
          schedule:
            - cron: "{cron}"
        tasks:
          tick:
            steps:
              - {"{"} id: noop, uses: noop {"}"}

        """;

    public static DateTimeOffset Floor(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
