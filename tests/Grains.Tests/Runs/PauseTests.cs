using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Pause: nothing new starts, running steps finish; resume goes on exactly where it stopped.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class PauseTests(WorkflowClusterFixture fixture)
{
    private const string Yaml = """
        name: runs-pause
        params: { dir: string }
        tasks:
          first:
            steps:
              - id: slow
                uses: shell
                with: { run: 'echo slow >> "$DIR/log"; while [ ! -e "$DIR/go" ]; do sleep 0.05; done', env: { DIR: "${{ params.dir }}" } }
              - id: next
                uses: shell
                with: { run: 'echo next >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              - id: tail
                uses: noop
                with: { done: true }
          second:
            needs: [first]
            steps:
              - id: only
                uses: shell
                with: { run: 'echo second >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
        """;

    [Fact]
    public async Task Pause_WhileAStepRuns_LetsItFinishStartsNothingNewAndResumeGoesOn()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml);
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        await fixture.StepReachesAsync(runId, "first", "slow", WorkStatus.Running);

        Assert.Equal(ControlResult.Done($"run {runId} paused: nothing new starts; running steps finish"), await fixture.Client.PauseAsync(runId, "maintenance"));
        Assert.Equal(ControlResult.No($"run {runId} is already paused"), await fixture.Client.PauseAsync(runId, "again"));
        dir.Touch("go");
        var held = await fixture.SnapshotWhenAsync(runId, s => s.Task("first").Step("slow").Status == WorkStatus.Succeeded, "the running step finishes while paused");
        Assert.Equal(WorkStatus.Paused, held.Status);
        Assert.Equal(WorkStatus.Pending, held.Task("first").Step("next").Status);
        Assert.Equal(WorkStatus.Pending, held.Task("second").Status);

        // Something that must NOT happen has no condition to wait for: watch for two of the task's poll periods
        // (1 s in these tests) that the next step does not start.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(["slow"], dir.Lines("log"));
        Assert.Equal(WorkStatus.Paused, (await fixture.Client.GetSnapshotAsync(runId)).Status);

        Assert.Equal(ControlResult.Done($"run {runId} resumed"), await fixture.Client.ResumeAsync(runId));
        Assert.Equal(ControlResult.No($"run {runId} is not paused"), await fixture.Client.ResumeAsync(runId));
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(["slow", "next", "second"], dir.Lines("log"));
        Assert.Equal(1, end.Task("first").Step("slow").Attempts);
        Assert.Equal(ControlResult.No($"run {runId} already succeeded; there is nothing to pause"), await fixture.Client.PauseAsync(runId, "late"));
        Assert.Equal(ControlResult.No($"run {runId} already succeeded; there is nothing to resume"), await fixture.Client.ResumeAsync(runId));

        IReadOnlyList<StoredRunEvent> history = [];
        await Eventually.HoldsAsync(async () => (history = await fixture.Client.GetHistoryAsync(runId)).Any(e => e.Event.Kind == RunEventKind.RunSucceeded), "the history holds the end");
        var kinds = history.Select(e => e.Event.Kind).ToList();
        Assert.True(kinds.IndexOf(RunEventKind.RunPaused) < kinds.IndexOf(RunEventKind.RunResumed));
        Assert.Equal("maintenance", history.Single(e => e.Event.Kind == RunEventKind.RunPaused).Event.Message);
    }

    [Fact]
    public async Task Cancel_WhilePaused_EndsTheRunCancelled()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml.Replace("runs-pause", "runs-pause-cancel", StringComparison.Ordinal));
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        await fixture.StepReachesAsync(runId, "first", "slow", WorkStatus.Running);
        await fixture.Client.PauseAsync(runId, "hold");
        dir.Touch("go");
        await fixture.SnapshotWhenAsync(runId, s => s.Task("first").Step("slow").Status == WorkStatus.Succeeded, "the running step finishes while paused");

        await fixture.Client.CancelAsync(runId, "not needed");
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Cancelled, end.Show());
        Assert.Equal(["slow"], dir.Lines("log"));
    }
}
