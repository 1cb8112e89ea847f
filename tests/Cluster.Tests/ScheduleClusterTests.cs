using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Client;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>
/// A per-second schedule on three silo processes and a real clock, through two outages: the silo holding the
/// schedule grain is killed (-9), and later every silo is killed and nothing runs for 10 s. Afterwards the set of
/// ticks that have a run (probed by run id, <c>{playbook}-s0-{tick}</c>, one id per tick) must be exactly what the
/// entry's <c>catchup</c> says, and every one of those runs ran once and succeeded with
/// <c>run.trigger.scheduled_at</c> equal to its tick.
/// </summary>
/// <remarks>
/// What the schedule grain does, and what the expectations rest on: while active, it fires every tick it armed
/// its timer for ("on time"); when it is activated again after its silo died, it settles the ticks that fell
/// due between the last tick it had recorded and now by <c>catchup</c>, logging "N tick(s) missed between FROM
/// and TO not run" when it leaves any out, and then arms its timer for the tick after TO. It starts a tick's run
/// before it records the tick, so a silo killed between the two leaves one run whose tick the next activation
/// counts as missed: that run was started before the kill, never after it. The entries use <c>overlap: allow</c>,
/// so a run still going when the next tick fires (the catch-up of <c>all</c> fires ticks a few ms apart) does
/// not turn that tick's run into a skipped one: these tests are about which ticks start runs.
/// </remarks>
[Collection(ClusterCollection.Name)]
public sealed class ScheduleClusterTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>How long the whole cluster stays down.</summary>
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(10);

    /// <summary>About how many ticks to let fire before and after each outage.</summary>
    private static readonly TimeSpan Stretch = TimeSpan.FromSeconds(5);

    // The reminder is only the backstop (recovery wakes live schedules when a silo dies or the cluster starts);
    // short, so that a wake that went wrong still shows within the test's time.
    private static readonly Dictionary<string, string> Settings = new() { ["Workflow__WakeReminderPeriod"] = "00:00:10" };

    [Fact]
    public async Task CatchupAll_HolderKilledThenWholeClusterDown10s_EverySecondFromFirstToLastTickHasExactlyOneRun()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        var seen = await RunThroughOutagesAsync(cluster, "all");

        // catchup all (window 1 h, far more than the outages): every tick that fell due while nothing watched is
        // run late, oldest first, so every second from the first tick to the last has its run, and only one.
        var ticks = seen.Runs.Keys.ToList();
        var first = ticks[0];
        var last = ticks[^1];
        var every = Seconds(first, last).ToList();
        var missing = every.Except(ticks).ToList();
        var extra = ticks.Except(every).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"ticks {Iso(first)} .. {Iso(last)}: missing {Join(missing)}; outside {Join(extra)}");
        Assert.Equal(every.Count, ticks.Count);

        // The first tick is the first second after the entry was registered, the last one is before it was disabled.
        Assert.InRange(first, seen.Registering, seen.Registered + Second);
        Assert.True(last <= seen.Disabled, $"tick {Iso(last)} is after the playbook was disabled at {Iso(seen.Disabled)}");

        // The outages really left ticks for the catch-up: the whole 10 s of the cluster's downtime, at least.
        Assert.Contains(ticks, t => t > seen.AllStopped + Downtime - Second && t < seen.Restarting);
        Assert.Empty(seen.Settled); // nothing was left out, so nothing was logged as missed
        cluster.Log($"catchup all: {ticks.Count} runs, one for each second from {Iso(first)} to {Iso(last)}");
        cluster.Passed();
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("none")]
    public async Task CatchupLatestOrNone_HolderKilledThenWholeClusterDown10s_TicksContiguousAroundEachOutageAndTheGapHoldsWhatThePolicySays(string catchup)
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        var seen = await RunThroughOutagesAsync(cluster, catchup);
        var ticks = seen.Runs.Keys.ToList();
        var latest = catchup == "latest";

        // The all-silos-down gap, from what happened:
        //  - before: the last tick whose run started before the last silo was dead (nothing fires after that:
        //    no silo runs; the dead cluster may have started it without recording it, see the remarks);
        //  - after: the activation after the restart logged the settlement of (FROM, TO], FROM being the last tick
        //    the dead cluster had recorded and TO the moment it settled; it then armed its timer for the first
        //    tick after TO, the first one fired on time again.
        // Inside (before, first on time) only the settlement may have started a run: `latest` exactly one, the
        // most recent tick at or before TO; `none` none at all.
        var before = seen.Runs.Where(r => r.Value.StartedAt < seen.AllStopped).Max(r => r.Key);
        var restart = seen.Settled.Where(s => s.To > seen.Restarting).ToList();
        var settlement = Assert.Single(restart);
        Assert.Equal(catchup, settlement.Catchup, ignoreCase: true);
        var latestDue = Floor(settlement.To);
        var firstOnTime = latestDue + Second;
        Assert.True(settlement.From == before || settlement.From == before - Second, $"the restart settled from {Iso(settlement.From)}, but the last run before the stop was for {Iso(before)}");
        Assert.True(firstOnTime - before > Downtime, $"the gap ({Iso(before)}, {Iso(firstOnTime)}) is shorter than the {Downtime.TotalSeconds:0} s the cluster was down");
        var inGap = ticks.Where(t => t > before && t < firstOnTime).ToList();
        Assert.True(
            latest ? inGap.SequenceEqual([latestDue]) : inGap.Count == 0,
            $"inside the all-down gap ({Iso(before)}, {Iso(firstOnTime)}): runs for {Join(inGap)}; expected {(latest ? Iso(latestDue) : "none")}");

        // Around it, the ticks are contiguous: on time up to the stop, and from the first on-time tick after the
        // restart (with `latest`, from the caught-up tick) to the last one before the playbook was disabled.
        var after = ticks.Where(t => t >= firstOnTime).ToList();
        Assert.NotEmpty(after);
        Assert.Equal(Seconds(firstOnTime, after[^1]), after);
        Assert.True(after[^1] <= seen.Disabled, $"tick {Iso(after[^1])} is after the playbook was disabled at {Iso(seen.Disabled)}");

        // And the whole set, both outages: every second from the first tick to the last, except what each
        // settlement left out (the holder's death is settled the same way when a survivor takes the schedule up).
        var expected = new SortedSet<DateTimeOffset>(Seconds(ticks[0], ticks[^1]));
        var problems = new List<string>();
        foreach (var gap in seen.Settled)
        {
            var due = Seconds(gap.From + Second, Floor(gap.To)).ToList();
            var fired = latest ? due.TakeLast(1).ToList() : [];
            if (gap.Skipped != due.Count - fired.Count)
            {
                problems.Add($"settlement ({Iso(gap.From)}, {Iso(gap.To)}] on {gap.Silo.Name}: {gap.Skipped} ticks skipped, {due.Count - fired.Count} expected");
            }

            // The tick after FROM may have its run from before the kill (started, not yet recorded): allowed only
            // when that run started before the kill that preceded this settlement.
            var kill = seen.Kills.Where(k => k < gap.To).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
            foreach (var tick in due.Except(fired))
            {
                if (!(tick == gap.From + Second && seen.Runs.TryGetValue(tick, out var run) && run.StartedAt < kill))
                {
                    expected.Remove(tick);
                }
            }
        }

        var actual = new SortedSet<DateTimeOffset>(ticks);
        if (!actual.SetEquals(expected))
        {
            problems.Add($"runs for ticks not expected: {Join(actual.Except(expected))}; expected ticks without a run: {Join(expected.Except(actual))}");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        cluster.Log($"catchup {catchup}: {ticks.Count} runs from {Iso(ticks[0])} to {Iso(ticks[^1])}; settlements: {string.Join("; ", seen.Settled.Select(s => $"{s.Silo.Name} ({Iso(s.From)}, {Iso(s.To)}] skipped {s.Skipped}"))}");
        cluster.Passed();
    }

    /// <summary>What one test saw: the moments it acted at, the run of every tick (by tick) and the settlements the silos logged.</summary>
    private sealed record Observed(
        DateTimeOffset Registering,
        DateTimeOffset Registered,
        IReadOnlyList<DateTimeOffset> Kills,
        DateTimeOffset AllStopped,
        DateTimeOffset Restarting,
        DateTimeOffset Disabled,
        SortedDictionary<DateTimeOffset, RunSnapshot> Runs,
        IReadOnlyList<SettledGap> Settled);

    /// <summary>
    /// Registers a per-second schedule with <paramref name="catchup"/> on three silos, lets it fire ~5 ticks,
    /// kills -9 the silo that fired the latest one, waits until a survivor fires and ~5 more seconds, kills both
    /// survivors, waits 10 s, starts three new silos, lets ~5 ticks fire on time, and disables the playbook. Then
    /// reads every run the schedule may have started (each second between registering and disabling, by run id),
    /// and checks what holds for every policy: each run ran once, succeeded, and carries its tick.
    /// </summary>
    private static async Task<Observed> RunThroughOutagesAsync(ClusterHarness cluster, string catchup)
    {
        var name = "tick-" + catchup;
        var schedule = name + "/0";
        var firstSilos = await cluster.StartSilosAsync(3, Settings);
        var client = await cluster.ConnectAsync();
        var registering = DateTimeOffset.UtcNow;
        await ClusterHarness.RegisterAsync(client, Playbook(name, catchup));
        var registered = DateTimeOffset.UtcNow;
        cluster.Log($"registered {name} (catchup {catchup})");

        // ~5 ticks on time; the victim is the silo whose activation fired the latest one (it holds the grain).
        await FiredAsync(cluster, firstSilos, schedule, registered + Stretch, "~5 ticks fired");
        var holder = ScheduleLog.Fired(firstSilos, schedule).MaxBy(f => f.Tick)!;
        var victim = holder.Silo;
        var killing = DateTimeOffset.UtcNow;
        victim.Kill();
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var killed = DateTimeOffset.UtcNow; // dead: it starts nothing after this
        cluster.Log($"kill -9 {victim.Name} (pid {victim.Pid}), which fired the latest tick {Iso(holder.Tick)}");

        // A survivor takes the schedule up once the victim is declared dead; ~5 s of ticks there.
        var survivors = firstSilos.Where(s => s != victim).ToList();
        var resumed = await FiredAsync(cluster, survivors, schedule, killing, "a surviving silo fired a tick after the kill");
        cluster.Log($"{resumed.Silo.Name} fired {Iso(resumed.Tick)} (first after the kill), {(DateTimeOffset.UtcNow - killing).TotalSeconds:0.0} s after it");
        await FiredAsync(cluster, survivors, schedule, DateTimeOffset.UtcNow + Stretch, "~5 more ticks on a surviving silo");

        // The whole cluster down: both survivors killed at once, nothing up for 10 s.
        foreach (var silo in survivors)
        {
            silo.Kill();
        }

        await Task.WhenAll(survivors.Select(s => s.WaitForExitAsync(TimeSpan.FromSeconds(30))));
        var stopped = DateTimeOffset.UtcNow; // every silo dead: no run starts between this and the restart
        var lastBeforeStop = ScheduleLog.Fired(firstSilos, schedule).Max(f => f.Tick);
        cluster.Log($"kill -9 of {string.Join(", ", survivors.Select(s => s.Name))}: every silo down; the last tick logged as fired was {Iso(lastBeforeStop)}");
        await Task.Delay(Downtime);

        // Three new silos on the same database (and a new client: the old one's gateways are gone).
        var restarting = DateTimeOffset.UtcNow;
        var newSilos = await cluster.StartSilosAsync(3, Settings);
        client = await cluster.ConnectAsync();
        var back = await FiredAsync(cluster, newSilos, schedule, restarting, "a tick fired after the restart");
        cluster.Log($"{back.Silo.Name} fired {Iso(back.Tick)} (first after the restart, which began {(DateTimeOffset.UtcNow - restarting).TotalSeconds:0.0} s ago)");
        await FiredAsync(cluster, newSilos, schedule, DateTimeOffset.UtcNow + Stretch, "~5 more ticks after the restart");

        var disabling = await client.SetPlaybookEnabledAsync(name, false, "end of test");
        Assert.True(disabling.Applied, disabling.Message);
        var disabled = DateTimeOffset.UtcNow;
        cluster.Log($"disabled {name}");

        // Every run the schedule may have started: one id per second from registering to disabling, read from the
        // run grains themselves (the source of truth); then until each has ended.
        var candidates = Seconds(Floor(registering), Floor(disabled) + Second).ToList();
        var runs = new SortedDictionary<DateTimeOffset, RunSnapshot>();
        await Eventually.HoldsAsync(
            async () =>
            {
                var read = await Task.WhenAll(candidates.Select(async tick => (Tick: tick, Run: await FindRunAsync(client, RunId(name, tick)))));
                runs = new SortedDictionary<DateTimeOffset, RunSnapshot>(read.Where(r => r.Run is not null).ToDictionary(r => r.Tick, r => r.Run!));
                return runs.Count > 0 && runs.Values.All(r => r.Status.IsFinal());
            },
            "every run of the schedule ended",
            () => $"{runs.Count} runs; not ended: {string.Join(", ", runs.Values.Where(r => !r.Status.IsFinal()).Take(5).Select(r => $"{r.Id} {r.Status.Name()}"))}",
            timeout: TimeSpan.FromSeconds(60),
            every: TimeSpan.FromSeconds(1));

        var problems = new List<string>();
        foreach (var (tick, run) in runs)
        {
            var at = run.Tasks.SingleOrDefault()?.Steps.SingleOrDefault()?.OutputJson is { } json ? JsonNode.Parse(json)?["at"]?.GetValue<string>() : null;
            if (run.Status != WorkStatus.Succeeded || run.Attempt != 1)
            {
                problems.Add($"{run.Id}: {run.Status.Name()}, attempt {run.Attempt}: {run.Error?.Message}");
            }
            else if (at is null || DateTimeOffset.Parse(at, CultureInfo.InvariantCulture) != tick)
            {
                problems.Add($"{run.Id}: run.trigger.scheduled_at is '{at}', not its tick {Iso(tick)}");
            }
        }

        // The run list (derived from the run history) shows the same runs, every one succeeded, and each run's
        // history has one RunStarted: no tick's run was started twice.
        IReadOnlyList<RunSummary> listed = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                listed = await client.ListRunsAsync(new RunQuery(Playbook: name, Limit: 1000));
                return listed.Select(r => r.RunId).Order(StringComparer.Ordinal).SequenceEqual(runs.Values.Select(r => r.Id).Order(StringComparer.Ordinal))
                    && listed.All(r => r.Status == WorkStatus.Succeeded);
            },
            "the run list shows exactly the schedule's runs, all succeeded",
            () => $"listed {listed.Count} ({listed.Count(r => r.Status == WorkStatus.Succeeded)} succeeded), {runs.Count} runs; listed only: {string.Join(", ", listed.Select(r => r.RunId).Except(runs.Values.Select(r => r.Id)).Take(5))}; not listed: {string.Join(", ", runs.Values.Select(r => r.Id).Except(listed.Select(r => r.RunId)).Take(5))}",
            timeout: TimeSpan.FromSeconds(30),
            every: TimeSpan.FromSeconds(1));
        foreach (var run in runs.Values)
        {
            var started = (await client.GetHistoryAsync(run.Id)).Count(e => e.Event.Kind == RunEventKind.RunStarted);
            if (started != 1)
            {
                problems.Add($"{run.Id}: {started} RunStarted events in its history");
            }
        }

        await cluster.AssertNoProblemsAsync(client, problems);

        var settled = ScheduleLog.Settled(cluster.Silos, schedule);
        var fired = ScheduleLog.Fired(cluster.Silos, schedule);
        var lateness = runs.Select(r => (r.Value.StartedAt!.Value - r.Key).TotalMilliseconds).Order().ToList();
        cluster.Log($"{runs.Count} runs, ticks {Iso(runs.Keys.First())} .. {Iso(runs.Keys.Last())}; fired per silo: {string.Join(", ", fired.GroupBy(f => f.Silo.Name).Select(g => $"{g.Key} {g.Count()}"))}");
        cluster.Log($"runs without a tick: {Join(Seconds(runs.Keys.First(), runs.Keys.Last()).Except(runs.Keys))}");
        cluster.Log($"settlements: {(settled.Count == 0 ? "none logged" : string.Join("; ", settled.Select(s => $"{s.Silo.Name}: ({Iso(s.From)}, {Iso(s.To)}] {s.Skipped} skipped")))}");
        cluster.Log($"start after tick (all runs, late catch-ups included): median {lateness[lateness.Count / 2]:0} ms, max {lateness[^1]:0} ms");
        return new Observed(registering, registered, [killed, stopped], stopped, restarting, disabled, runs, settled);
    }

    /// <summary>Waits until one of <paramref name="silos"/> logged a fired tick later than <paramref name="after"/>; answers the first such.</summary>
    private static async Task<FiredTick> FiredAsync(ClusterHarness cluster, IReadOnlyList<SiloProcess> silos, string schedule, DateTimeOffset after, string what)
    {
        FiredTick? found = null;
        await Eventually.HoldsAsync(
            () => Task.FromResult((found = ScheduleLog.Fired(silos, schedule).Where(f => f.Tick > after).MinBy(f => f.Tick)) is not null),
            what,
            () => $"fired by {string.Join(", ", silos.Select(s => s.Name))}: {string.Join(", ", ScheduleLog.Fired(silos, schedule).TakeLast(3).Select(f => $"{f.Silo.Name} {Iso(f.Tick)}"))}; logs end:\n{string.Join("\n", cluster.Running.Select(s => s.Tail(5)))}",
            timeout: TimeSpan.FromSeconds(60),
            every: TimeSpan.FromMilliseconds(200));
        return found!;
    }

    private static async Task<RunSnapshot?> FindRunAsync(WorkflowClient client, string runId)
    {
        try
        {
            return await client.GetSnapshotAsync(runId);
        }
        catch (RunNotFoundException)
        {
            return null;
        }
    }

    private static string Playbook(string name, string catchup) => $$$"""
        name: {{{name}}}
        on:
          schedule:
            - cron: "* * * * * *"
              catchup: {{{catchup}}}
              catchup_window: 1h
              overlap: allow
        tasks:
          tick:
            steps:
              - id: at
                uses: noop
                with: { at: "${{ run.trigger.scheduled_at }}" }

        """;

    /// <summary>The run id of a tick, as the schedule grain makes it: <c>{playbook}-s{entry}-{tick, UTC, to the second}</c>.</summary>
    private static string RunId(string playbook, DateTimeOffset tick) =>
        $"{playbook}-s0-{tick.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>Every whole second from <paramref name="from"/> to <paramref name="to"/>, both included (none when to &lt; from).</summary>
    private static IEnumerable<DateTimeOffset> Seconds(DateTimeOffset from, DateTimeOffset to)
    {
        for (var t = from; t <= to; t += Second)
        {
            yield return t;
        }
    }

    private static DateTimeOffset Floor(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<DateTimeOffset> ticks)
    {
        var list = ticks.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Take(20).Select(Iso)) + (list.Count > 20 ? $" and {list.Count - 20} more" : string.Empty);
    }
}
