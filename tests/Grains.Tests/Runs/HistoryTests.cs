using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Every event of a run is kept in its history (in memory on the embedded default), in order, once each.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class HistoryTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task History_OfAFinishedRun_HoldsItsEventsInOrderOnceEachAndPagesOn()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-history
            tasks:
              first:
                steps:
                  - { id: a, uses: noop }
                  - { id: b, uses: log, with: { message: hello } }
              second:
                needs: [first]
                steps:
                  - { id: c, uses: shell, with: { run: "echo c" } }
            """);
        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());

        IReadOnlyList<StoredRunEvent> history = [];
        await Eventually.HoldsAsync(
            async () => (history = await fixture.Client.GetHistoryAsync(snapshot.Id)).Any(e => e.Event.Kind == RunEventKind.RunSucceeded),
            "the history holds the run's end");

        var kinds = history.Select(e => e.Event.Kind).ToList();
        Assert.Equal(RunEventKind.RunStarted, kinds[0]);
        Assert.Equal(RunEventKind.RunSucceeded, kinds[^1]);
        Assert.True(history.Select(e => e.Position).SequenceEqual(history.Select(e => e.Position).Order()), "positions increase");
        Assert.Equal(history.Count, history.Select(e => e.Event.Id).Distinct().Count());
        Assert.Contains(history, e => e.Event is { Kind: RunEventKind.StepLog, Step: "b", Message: "hello" });
        Assert.True(kinds.IndexOf(RunEventKind.TaskSucceeded) < history.ToList().FindIndex(e => e.Event is { Kind: RunEventKind.StepStarted, Step: "c" }));

        var firstPage = await fixture.Client.GetHistoryAsync(snapshot.Id, 0, 3);
        var secondPage = await fixture.Client.GetHistoryAsync(snapshot.Id, firstPage[^1].Position, 3);
        Assert.Equal(history.Take(6).Select(e => e.Event.Id), firstPage.Concat(secondPage).Select(e => e.Event.Id));

        Assert.Empty(await fixture.Client.GetHistoryAsync("no-such-run"));

        var listed = await fixture.Client.ListRunsAsync(new RunQuery(Playbook: "runs-history"));
        var summary = Assert.Single(listed, r => r.RunId == snapshot.Id);
        Assert.Equal((WorkStatus.Succeeded, snapshot.Version, 1), (summary.Status, summary.Version, summary.Attempt));
        Assert.NotNull(summary.EndedAt);
        Assert.DoesNotContain(await fixture.Client.ListRunsAsync(new RunQuery(Status: WorkStatus.Failed, Limit: 1000)), r => r.RunId == snapshot.Id);
    }
}
