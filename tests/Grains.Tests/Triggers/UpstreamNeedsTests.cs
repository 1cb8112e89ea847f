using System.Diagnostics;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary>
/// Cross-playbook <c>needs: [{playbook, task, within, wait}]</c>: a task waits (<c>pending</c>) for a fresh enough
/// success of another playbook's task, is told when it comes, and fails <c>upstream_stale</c> after <c>wait</c>.
/// Each test has its own upstream playbook: a task's freshness is kept across runs.
/// </summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class UpstreamNeedsTests(WorkflowClusterFixture fixture)
{
    private static string Up(string name) => $$$"""
        name: {{{name}}}
        owner: team-up
        tasks:
          load:
            steps:
              - uses: noop
                with: { loaded: true }
        """;

    private static string Down(string name, string up, string within, string wait) => $$$"""
        name: {{{name}}}
        owner: team-down
        tasks:
          prepare:
            steps:
              - uses: noop
          use:
            needs:
              - prepare
              - { playbook: {{{up}}}, task: load, within: {{{within}}}, wait: {{{wait}}} }
            steps:
              - id: go
                uses: noop
                with: { ok: true }
        """;

    [Fact]
    public async Task NeverSucceeded_TheTaskWaitsPending_ThenStartsWhenTheUpstreamSucceeds()
    {
        var up = await fixture.RegisterAsync(Up("trig-up-a"));

        // `wait` is far longer than the test: only the upstream's notice can start the task in time.
        var down = await fixture.RegisterAsync(Down("trig-down-a", up, "1h", "10m"));

        var run = await fixture.Client.StartRunAsync(down);
        var waiting = await fixture.SnapshotWhenAsync(run, s => s.Task("use").Reason is not null, "the task says what it waits for");
        Assert.Equal(WorkStatus.Running, waiting.Status);
        Assert.Equal(WorkStatus.Pending, waiting.Task("use").Status);
        Assert.StartsWith($"waiting for upstream {up}/load", waiting.Task("use").Reason, StringComparison.Ordinal);
        Assert.Contains("no success within 1h", waiting.Task("use").Reason, StringComparison.Ordinal);
        Assert.Equal(WorkStatus.Succeeded, waiting.Task("prepare").Status);
        var history = await fixture.HistoryAsync(run, RunEventKind.TaskWaiting);
        Assert.StartsWith($"waiting for upstream {up}/load", history.Single(e => e.Event.Kind == RunEventKind.TaskWaiting).Event.Message, StringComparison.Ordinal);

        var upstream = await fixture.Client.StartRunAsync(up);
        var upstreamEnd = await fixture.EndOfAsync(upstream);
        Assert.Equal(WorkStatus.Succeeded, upstreamEnd.Status);

        var end = await fixture.EndOfAsync(run);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(WorkStatus.Succeeded, end.Task("use").Status);
        Assert.Null(end.Task("use").Reason);
        Assert.True(end.Task("use").StartedAt >= upstreamEnd.Task("load").EndedAt, end.Show());
    }

    [Fact]
    public async Task SucceededRecently_TheTaskRunsAtOnce()
    {
        var up = await fixture.RegisterAsync(Up("trig-up-b"));
        var down = await fixture.RegisterAsync(Down("trig-down-b", up, "1h", "30s"));
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await fixture.Client.StartRunAsync(up))).Status);

        var run = await fixture.Client.StartRunAsync(down);

        var end = await fixture.EndOfAsync(run);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var history = await fixture.HistoryAsync(run, RunEventKind.RunSucceeded);
        Assert.DoesNotContain(history, e => e.Event.Kind == RunEventKind.TaskWaiting);
    }

    [Fact]
    public async Task SucceededLongerAgoThanWithin_TheTaskWaitsForTheNextSuccess()
    {
        var up = await fixture.RegisterAsync(Up("trig-up-old"));
        var down = await fixture.RegisterAsync(Down("trig-down-old", up, "1s", "10m"));
        var first = await fixture.EndOfAsync(await fixture.Client.StartRunAsync(up));
        Assert.Equal(WorkStatus.Succeeded, first.Status);
        var loaded = first.Task("load").EndedAt!.Value;
        await Eventually.HoldsAsync(() => DateTimeOffset.UtcNow - loaded > TimeSpan.FromSeconds(1.5), "the success is older than `within`");

        var run = await fixture.Client.StartRunAsync(down);
        var waiting = await fixture.SnapshotWhenAsync(run, s => s.Task("use").Reason is not null, "the task waits for a newer success");
        Assert.StartsWith($"waiting for upstream {up}/load: no success within 1s", waiting.Task("use").Reason, StringComparison.Ordinal);

        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await fixture.Client.StartRunAsync(up))).Status);
        var end = await fixture.EndOfAsync(run);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
    }

    [Fact]
    public async Task WaitExpires_TheTaskFailsUpstreamStale_NamingBothOwners()
    {
        var up = await fixture.RegisterAsync(Up("trig-up-c"));
        var down = await fixture.RegisterAsync(Down("trig-down-c", up, "1h", "2s"));

        var clock = Stopwatch.StartNew();
        var run = await fixture.Client.StartRunAsync(down);
        var waiting = await fixture.SnapshotWhenAsync(run, s => s.Task("use").Reason is not null, "the task waits");
        Assert.Equal(WorkStatus.Pending, waiting.Task("use").Status);

        var end = await fixture.EndOfAsync(run);
        clock.Stop();

        Assert.True(end.Status == WorkStatus.Failed, end.Show());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"failed after {clock.Elapsed}");
        var use = end.Task("use");
        Assert.Equal(WorkStatus.Failed, use.Status);
        Assert.Equal("upstream_stale", use.Reason);
        Assert.NotNull(use.Error);
        Assert.StartsWith($"upstream stale: {up}/load (owner: team-up)", use.Error, StringComparison.Ordinal);
        Assert.Contains($"(waiting playbook {down} (owner: team-down))", use.Error, StringComparison.Ordinal);
        Assert.Contains("upstream stale", end.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("use", end.Error.Task);

        var history = await fixture.HistoryAsync(run, RunEventKind.RunFailed);
        var failed = history.Single(e => e.Event.Kind == RunEventKind.TaskFailed && e.Event.Task == "use").Event;
        Assert.Equal(use.Error, failed.Message);
        Assert.Equal("team-down", failed.Owner);
        var data = RunKit.Parse(failed.DataJson);
        Assert.Equal("upstream_stale", (string?)data?["reason"]);
        Assert.Equal("team-up", (string?)data?["upstream_owner"]);
        Assert.Equal(up, (string?)data?["upstream_playbook"]);

        // A later success of the upstream changes nothing for the failed run.
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await fixture.Client.StartRunAsync(up))).Status);
        Assert.Equal(WorkStatus.Failed, (await fixture.Client.GetSnapshotAsync(run)).Status);
    }

    [Fact]
    public async Task WaitExpires_ForAnUnregisteredUpstream_NamesOnlyTheWaitingOwner()
    {
        var down = await fixture.RegisterAsync(Down("trig-down-nobody", "trig-up-never-registered", "1h", "1s"));

        var end = await fixture.EndOfAsync(await fixture.Client.StartRunAsync(down));

        Assert.True(end.Status == WorkStatus.Failed, end.Show());
        Assert.Equal("upstream_stale", end.Task("use").Reason);
        Assert.StartsWith("upstream stale: trig-up-never-registered/load had no success", end.Task("use").Error, StringComparison.Ordinal);
        Assert.Contains($"(waiting playbook {down} (owner: team-down))", end.Task("use").Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingAWaitingRun_EndsIt_AndALaterSuccessDoesNotRevive_It()
    {
        var up = await fixture.RegisterAsync(Up("trig-up-d"));
        var down = await fixture.RegisterAsync(Down("trig-down-d", up, "1h", "10m"));
        var run = await fixture.Client.StartRunAsync(down);
        await fixture.SnapshotWhenAsync(run, s => s.Task("use").Reason is not null, "the task waits");

        Assert.True((await fixture.Client.CancelAsync(run, "no longer needed")).Applied);
        var end = await fixture.EndOfAsync(run);
        Assert.True(end.Status == WorkStatus.Cancelled, end.Show());
        Assert.Equal(WorkStatus.Cancelled, end.Task("use").Status);

        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await fixture.Client.StartRunAsync(up))).Status);
        var after = await fixture.Client.GetSnapshotAsync(run);
        Assert.Equal(WorkStatus.Cancelled, after.Status);
        Assert.Equal(WorkStatus.Cancelled, after.Task("use").Status);
    }
}
