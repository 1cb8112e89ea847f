using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary>
/// A schedule's <c>overlap</c> when a tick comes while a run of the playbook is active (held by a blocking step):
/// <c>skip</c> ends the tick's run <c>skipped</c>, <c>queue</c> starts it after, <c>allow</c> starts it at once.
/// Ticks are fired by hand (<see cref="WorkflowClient.TriggerScheduleAsync"/>); the cron (03:47 UTC on the 1st of a
/// month) does not fire during a test. A yearly cron would do as well, but a schedule whose next tick is more than
/// about 49 days away cannot be registered today (see <see cref="ScheduleTests.ACronWhoseNextTickIsMonthsAway_IsArmedAndListed"/>).
/// </summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class OverlapTests(WorkflowClusterFixture fixture)
{
    private static string Yaml(string name, string overlap, TempDir dir) => $$$"""
        name: {{{name}}}
        {{{TriggerKit.DirParam(dir)}}}
        on:
          schedule:
            - { cron: "47 3 1 * *", overlap: {{{overlap}}} }
        tasks:
          work:
            steps:
        {{{TriggerKit.HoldStep}}}
              - id: tail
                uses: noop
                with: { kind: "${{ run.trigger.kind }}", at: "${{ run.trigger.scheduled_at }}" }
        """;

    [Fact]
    public async Task Skip_ATickWhileARunIsActive_EndsItsRunSkipped_NamingTheActiveRun()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-skip", "skip", dir));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);

        Assert.StartsWith($"{name}-s0-", tick, StringComparison.Ordinal);
        var skipped = await fixture.EndOfAsync(tick);
        Assert.True(skipped.Status == WorkStatus.Skipped, skipped.Show());
        Assert.NotNull(skipped.Error);
        Assert.Contains(manual, skipped.Error.Message, StringComparison.Ordinal);
        Assert.Contains("overlap skip", skipped.Error.Message, StringComparison.Ordinal);
        Assert.NotNull(skipped.EndedAt);
        var history = await fixture.HistoryAsync(tick, RunEventKind.RunSkipped);
        Assert.DoesNotContain(history, e => e.Event.Kind == RunEventKind.TaskQueued);

        // A tick in the same second has the same id, so it finds the same (skipped) run; a later one is skipped too.
        var again = await fixture.Client.TriggerScheduleAsync(name, 0);
        if (TriggerKit.TickOf(again) == TriggerKit.TickOf(tick))
        {
            Assert.Equal(tick, again);
        }
        else
        {
            Assert.Equal(WorkStatus.Skipped, (await fixture.EndOfAsync(again)).Status);
        }

        dir.Release(manual);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(manual)).Status);
        Assert.Equal([manual], dir.Lines("order"));

        // With nothing active, the next tick runs.
        await TriggerKit.NextSecondAsync(TriggerKit.TickOf(tick));
        var next = await fixture.Client.TriggerScheduleAsync(name, 0);
        Assert.NotEqual(tick, next);
        await fixture.HoldingAsync(dir, next);
        dir.Release(next);
        var end = await fixture.EndOfAsync(next);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal("schedule", (string?)end.StepOutput("work", "tail")["kind"]);
        Assert.Equal(TriggerKit.TickOf(next), DateTimeOffset.Parse((string)end.StepOutput("work", "tail")["at"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([manual, next], dir.Lines("order"));
    }

    [Fact]
    public async Task Skip_WhileTheActiveRunIsPaused_StillSkips()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-skip-paused", "skip", dir));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);
        Assert.True((await fixture.Client.PauseAsync(manual, "hold on")).Applied);

        // Its running step ends while paused; the next step does not start, so the run stays paused and active.
        dir.Release(manual);
        await fixture.StepReachesAsync(manual, "work", "hold", WorkStatus.Succeeded);
        Assert.Equal(WorkStatus.Paused, (await fixture.Client.GetSnapshotAsync(manual)).Status);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);
        var skipped = await fixture.EndOfAsync(tick);
        Assert.True(skipped.Status == WorkStatus.Skipped, skipped.Show());
        Assert.Contains(manual, skipped.Error!.Message, StringComparison.Ordinal);

        Assert.True((await fixture.Client.ResumeAsync(manual)).Applied);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(manual)).Status);
        Assert.Equal([manual], dir.Lines("order"));
    }

    [Fact]
    public async Task Queue_ATickWhileARunIsActive_WaitsPending_ThenRunsWhenItEnds()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-queue", "queue", dir));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);

        Assert.StartsWith($"{name}-s0-", tick, StringComparison.Ordinal);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);
        Assert.Equal([tick], (await fixture.AdmissionAsync(name)).Waiting);
        var waiting = await fixture.HistoryAsync(tick, RunEventKind.RunWaiting);
        Assert.Contains($"overlap queue: waits for run {manual} to end", waiting.Single(e => e.Event.Kind == RunEventKind.RunWaiting).Event.Message, StringComparison.Ordinal);

        // Nothing to wait for here: watch the check period of the admission (1 s) twice, the tick must not start.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);
        Assert.Equal([manual], dir.Lines("order"));

        dir.Release(manual);
        var manualEnd = await fixture.EndOfAsync(manual);
        Assert.Equal(WorkStatus.Succeeded, manualEnd.Status);
        await fixture.HoldingAsync(dir, tick);
        dir.Release(tick);
        var end = await fixture.EndOfAsync(tick);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal([manual, tick], dir.Lines("order"));
        Assert.True(end.Task("work").StartedAt >= manualEnd.EndedAt, $"the queued tick's task started {end.Task("work").StartedAt:O}, the active run ended {manualEnd.EndedAt:O}");
    }

    [Fact]
    public async Task Queue_WaitsUntilNoRunIsActive_NotJustOne()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-queue-two", "queue", dir));
        var first = await fixture.Client.StartRunAsync(name);
        var second = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        await fixture.HoldingAsync(dir, second);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);

        dir.Release(first);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first)).Status);
        await Eventually.HoldsAsync(async () => (await fixture.AdmissionAsync(name)).Active.SequenceEqual([second]), "the first run gave its slot back");
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);

        dir.Release(second);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second)).Status);
        await fixture.HoldingAsync(dir, tick);
        dir.Release(tick);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(tick)).Status);
    }

    [Fact]
    public async Task Queue_CancellingTheWaitingTick_EndsItCancelled()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-queue-cancel", "queue", dir));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);
        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);

        Assert.True((await fixture.Client.CancelAsync(tick, "not this one")).Applied);
        Assert.Equal(WorkStatus.Cancelled, (await fixture.EndOfAsync(tick)).Status);
        await Eventually.HoldsAsync(async () => (await fixture.AdmissionAsync(name)).Waiting.Count == 0, "the cancelled tick left the line");

        dir.Release(manual);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(manual)).Status);
        Assert.Equal([manual], dir.Lines("order"));
    }

    [Fact]
    public async Task Allow_ATickWhileARunIsActive_StartsAtOnce()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-allow", "allow", dir));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);

        await fixture.HoldingAsync(dir, tick);
        Assert.Equal(WorkStatus.Running, (await fixture.Client.GetSnapshotAsync(manual)).Status);
        Assert.Equal(WorkStatus.Running, (await fixture.Client.GetSnapshotAsync(tick)).Status);
        Assert.Equal([manual, tick], dir.Lines("order"));

        dir.Release(tick);
        dir.Release(manual);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(tick)).Status);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(manual)).Status);
    }

    [Fact]
    public async Task Allow_StillObeysConcurrency()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-allow-conc", "allow", dir).Replace("on:\n", "concurrency: 1\non:\n", StringComparison.Ordinal));
        var manual = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, manual);

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(tick)).Status);

        dir.Release(manual);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(manual)).Status);
        await fixture.HoldingAsync(dir, tick);
        dir.Release(tick);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(tick)).Status);
    }

    [Fact]
    public async Task TriggerSchedule_OfAPlaybookWithoutThatEntry_Throws()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-ovl-missing", "allow", dir));

        var error = await Assert.ThrowsAsync<RunNotStartedException>(() => fixture.Client.TriggerScheduleAsync(name, 1));
        Assert.Contains("has no schedule 1", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RunNotStartedException>(() => fixture.Client.TriggerScheduleAsync("trig-ovl-never-registered", 0));
    }
}
