using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary><c>concurrency: N</c>: at most N active runs of a playbook; the others are <c>pending</c> and start in arrival order.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class ConcurrencyTests(WorkflowClusterFixture fixture)
{
    private static string Yaml(string name, int concurrency, TempDir dir) => $$$"""
        name: {{{name}}}
        {{{TriggerKit.DirParam(dir)}}}
        concurrency: {{{concurrency}}}
        tasks:
          work:
            steps:
        {{{TriggerKit.HoldStep}}}
              - id: tail
                uses: noop
        """;

    [Fact]
    public async Task ConcurrencyOne_RunsOneAtATime_InArrivalOrder()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-conc-one", 1, dir));

        var first = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        var second = await fixture.Client.StartRunAsync(name);
        var third = await fixture.Client.StartRunAsync(name);

        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(second)).Status);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(third)).Status);
        var admission = await fixture.AdmissionAsync(name);
        Assert.Equal([first], admission.Active);
        Assert.Equal([second, third], admission.Waiting);
        var waiting = await fixture.Client.GetSnapshotAsync(third);
        Assert.All(waiting.Tasks, t => Assert.Equal(WorkStatus.Pending, t.Status));

        dir.Release(first);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first)).Status);
        await fixture.HoldingAsync(dir, second);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(third)).Status);
        Assert.Equal([first, second], dir.Lines("order"));

        dir.Release(second);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second)).Status);
        await fixture.HoldingAsync(dir, third);
        dir.Release(third);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(third)).Status);

        Assert.Equal([first, second, third], dir.Lines("order"));
        var after = await fixture.AdmissionAsync(name);
        Assert.Empty(after.Active);
        Assert.Empty(after.Waiting);

        // The waiting run's history says why it waited, and when it got its slot.
        var history = await fixture.HistoryAsync(third, RunEventKind.RunSucceeded);
        var wait = history.Single(e => e.Event.Kind == RunEventKind.RunWaiting).Event;
        Assert.Contains("waits for a concurrency slot (1 of 1 active)", wait.Message, StringComparison.Ordinal);
        Assert.Contains("1 ahead of it", wait.Message, StringComparison.Ordinal);
        var kinds = history.Select(e => e.Event.Kind).ToList();
        Assert.True(kinds.IndexOf(RunEventKind.RunWaiting) < kinds.IndexOf(RunEventKind.RunAdmitted), string.Join(", ", kinds));
        Assert.True(kinds.IndexOf(RunEventKind.RunAdmitted) < kinds.IndexOf(RunEventKind.TaskQueued), string.Join(", ", kinds));
    }

    [Fact]
    public async Task CancellingAPendingRun_EndsItCancelled_AndTheLineMovesOn()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-conc-cancel", 1, dir));

        var first = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        var second = await fixture.Client.StartRunAsync(name);
        var third = await fixture.Client.StartRunAsync(name);
        Assert.Equal([second, third], (await fixture.AdmissionAsync(name)).Waiting);

        Assert.True((await fixture.Client.CancelAsync(second, "not needed")).Applied);
        var cancelled = await fixture.EndOfAsync(second);
        Assert.True(cancelled.Status == WorkStatus.Cancelled, cancelled.Show());
        Assert.All(cancelled.Tasks, t => Assert.Equal(WorkStatus.Cancelled, t.Status));
        await Eventually.HoldsAsync(async () => (await fixture.AdmissionAsync(name)).Waiting.SequenceEqual([third]), "the cancelled run left the line");

        dir.Release(first);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first)).Status);
        await fixture.HoldingAsync(dir, third);
        dir.Release(third);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(third)).Status);

        Assert.Equal([first, third], dir.Lines("order"));
        Assert.Equal(WorkStatus.Cancelled, (await fixture.Client.GetSnapshotAsync(second)).Status);
    }

    [Fact]
    public async Task CancellingTheActiveRun_AdmitsTheNext()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-conc-cancel-active", 1, dir));

        var first = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        var second = await fixture.Client.StartRunAsync(name);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(second)).Status);

        Assert.True((await fixture.Client.CancelAsync(first, "make room")).Applied);
        Assert.Equal(WorkStatus.Cancelled, (await fixture.EndOfAsync(first)).Status);
        await fixture.HoldingAsync(dir, second);
        dir.Release(second);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second)).Status);
    }

    [Fact]
    public async Task ConcurrencyTwo_RunsTwoAtATime_AndAFreedSlotGoesToTheNextInLine()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-conc-two", 2, dir));

        var first = await fixture.Client.StartRunAsync(name);
        var second = await fixture.Client.StartRunAsync(name);
        var third = await fixture.Client.StartRunAsync(name);
        var fourth = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        await fixture.HoldingAsync(dir, second);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(third)).Status);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(fourth)).Status);
        var admission = await fixture.AdmissionAsync(name);
        Assert.Equal([first, second], admission.Active);
        Assert.Equal([third, fourth], admission.Waiting);

        // The second ends first: its slot goes to the third while the first still runs.
        dir.Release(second);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second)).Status);
        await fixture.HoldingAsync(dir, third);
        Assert.Equal(WorkStatus.Running, (await fixture.Client.GetSnapshotAsync(first)).Status);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(fourth)).Status);

        dir.Release(first);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first)).Status);
        await fixture.HoldingAsync(dir, fourth);
        dir.Release(third);
        dir.Release(fourth);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(third)).Status);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(fourth)).Status);

        var order = dir.Lines("order");
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), order[..2].Order(StringComparer.Ordinal));
        Assert.Equal([third, fourth], order[2..]);
    }

    [Fact]
    public async Task APausedRun_KeepsItsSlot()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("trig-conc-paused", 1, dir));

        var first = await fixture.Client.StartRunAsync(name);
        await fixture.HoldingAsync(dir, first);
        Assert.True((await fixture.Client.PauseAsync(first, "hold")).Applied);
        var second = await fixture.Client.StartRunAsync(name);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(second)).Status);

        // The first's running step ends while it is paused (the next one does not start): the run is still active
        // and keeps the slot.
        dir.Release(first);
        await fixture.StepReachesAsync(first, "work", "hold", WorkStatus.Succeeded);
        Assert.Equal(WorkStatus.Paused, (await fixture.Client.GetSnapshotAsync(first)).Status);
        Assert.Equal([first], (await fixture.AdmissionAsync(name)).Active);
        Assert.Equal(WorkStatus.Pending, (await fixture.Client.GetSnapshotAsync(second)).Status);

        Assert.True((await fixture.Client.ResumeAsync(first)).Applied);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first)).Status);
        await fixture.HoldingAsync(dir, second);
        dir.Release(second);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second)).Status);
    }
}
