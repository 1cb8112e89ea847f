using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>A step's log: line by line, live up to a cap; past it the tail is kept and what was dropped is said.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class StepLogTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Log_PastTheCap_KeepsTheHeadAndTheTailAndSaysWhatWasDropped()
    {
        // 5,000 lines of 10 bytes: the cluster here publishes 20,000 bytes live and keeps the last 20 lines.
        var (snapshot, events) = await fixture.RunWatchedAsync("""
            name: runs-log-cap
            tasks:
              only:
                steps:
                  - id: loud
                    uses: shell
                    with: { run: 'for i in $(seq -w 1 5000); do echo "line $i"; done' }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var lines = events.Where(e => e.Kind == RunEventKind.StepLog).Select(e => e.Message!).ToList();
        Assert.Equal("line 0001", lines[0]);
        var note = lines.FindIndex(l => l.StartsWith("[owf: ", StringComparison.Ordinal));
        Assert.True(note > 0, "a line says what was dropped");
        Assert.Equal($"line {note:D4}", lines[note - 1]); // the head is contiguous up to the note
        Assert.Equal([.. Enumerable.Range(4981, 20).Select(i => $"line {i:D4}")], lines[(note + 1)..]);
        var dropped = 5000 - note - 20;
        Assert.Equal($"[owf: {dropped:N0} lines ({dropped * 10:N0} bytes) dropped here: a step's log keeps its first 20,000 bytes and its last 20 lines]", lines[note]);
    }
}
