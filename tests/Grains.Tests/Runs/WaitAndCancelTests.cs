using System.Diagnostics;
using Orleans.Workflow.Client;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary><c>wait</c> for a duration or a signal (sent before or while it waits, or never), and cancelling a run.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class WaitAndCancelTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_WaitDuration_StepTakesAtLeastThatLong()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-duration
            defaults:
              timeout: 100ms
            tasks:
              pause:
                steps:
                  - id: nap
                    uses: wait
                    with: { duration: 500ms }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var nap = snapshot.Task("pause").Step("nap");
        Assert.Null(nap.Output());
        Assert.True(nap.EndedAt - nap.StartedAt >= TimeSpan.FromMilliseconds(490), $"waited {nap.EndedAt - nap.StartedAt}");
    }

    [Fact]
    public async Task Run_WaitUntilAMomentInThePast_ReturnsAtOnce()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-until-past
            tasks:
              pause:
                steps:
                  - id: nap
                    uses: wait
                    with: { until: "2020-01-01T00:00:00Z" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var nap = snapshot.Task("pause").Step("nap");
        Assert.True(nap.EndedAt - nap.StartedAt < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Run_WaitSignal_ResumesWithThePayload()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-signal
            tasks:
              approve:
                steps:
                  - id: gate
                    uses: wait
                    with: { signal: approve, timeout: 1m }
                  - id: after
                    uses: noop
                    with: { by: "${{ steps.gate.output.by }}" }
            """, null, null, async runId =>
            {
                await fixture.StepReachesAsync(runId, "approve", "gate", WorkStatus.Running);
                await fixture.Client.SignalAsync(runId, "approve", """{"approved": true, "by": "jane"}""");
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"approved":true,"by":"jane"}""", snapshot.Task("approve").Step("gate").Output()!.ToJsonString());
        Assert.Equal("jane", snapshot.Task("approve").Step("after").Output()!["by"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_SignalSentBeforeTheStepWaits_IsKeptAndDelivered()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-signal-early
            params: { dir: string }
            tasks:
              gate:
                steps:
                  - id: before
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: i=0; while [ ! -f "$DIR/go" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
                  - id: wait
                    uses: wait
                    with: { signal: go-ahead, timeout: 30s }
            """, RunKit.Params(("dir", dir.Path)), null, async runId =>
            {
                await fixture.StepReachesAsync(runId, "gate", "before", WorkStatus.Running);
                var answer = await fixture.Client.SignalAsync(runId, "go-ahead", """{"early": 1}""");
                Assert.Equal(ControlOutcome.Applied, answer.Outcome);
                Assert.Contains("kept", answer.Message);
                dir.Touch("go");
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"early":1}""", snapshot.Task("gate").Step("wait").Output()!.ToJsonString());
    }

    [Fact]
    public async Task Run_WaitSignalThatNeverComes_StepAndTaskTimedOut()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-signal-timeout
            tasks:
              gate:
                steps:
                  - id: wait
                    uses: wait
                    with: { signal: never, timeout: 300ms }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.TimedOut, snapshot.Task("gate").Status);
        var step = snapshot.Task("gate").Step("wait");
        Assert.Equal(WorkStatus.TimedOut, step.Status);
        Assert.Contains("never", step.Error);
        Assert.Equal(1, step.Attempts);
    }

    [Fact]
    public async Task Run_SignalToAnEndedRun_IsRefusedWithAMessage()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-signal-late
            tasks:
              only:
                steps: [{ uses: noop, with: { v: 1 } }]
            """);

        var answer = await fixture.Client.SignalAsync(snapshot.Id, "approve", "{}");

        Assert.Equal(ControlOutcome.NotApplicable, answer.Outcome);
        Assert.Contains("already succeeded", answer.Message);
    }

    [Fact]
    public async Task CancelRun_RunningShellStep_ProcessKilledAndEverythingCancelled()
    {
        using var dir = new TempDir();
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-cancel
            params: { dir: string }
            tasks:
              long:
                steps:
                  - id: sleeps
                    uses: shell
                    retry: { attempts: 3, delay: 10ms }
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        echo $$ >> "$DIR/pids"
                        sleep 30
                        touch "$DIR/finished"
              after:
                needs: [long]
                trigger_rule: all_done
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/after"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)), null, async runId =>
            {
                await Eventually.HoldsAsync(() => dir.Lines("pids").Length > 0, "the shell step started");
                var answer = await fixture.Client.CancelAsync(runId, "stopped by the test");
                Assert.Equal(ControlOutcome.Applied, answer.Outcome);
                Assert.Contains("cancelled", answer.Message);
            });

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"took {watch.Elapsed}");
        Assert.True(snapshot.Status == WorkStatus.Cancelled, snapshot.Show());
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("long").Status);
        var step = snapshot.Task("long").Step("sleeps");
        Assert.Equal(WorkStatus.Cancelled, step.Status);
        Assert.Equal(1, step.Attempts); // a cancelled step is not retried
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("after").Status);
        var pid = int.Parse(Assert.Single(dir.Lines("pids")));
        await FailureTests.AssertProcessEndsAsync(pid);
        Assert.False(dir.Exists("finished"));
        Assert.False(dir.Exists("after"));
        Assert.Contains("stopped by the test", snapshot.Error?.Message);
    }

    [Fact]
    public async Task CancelRun_WaitingForASignal_RunCancelled()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-cancel-waiting
            tasks:
              gate:
                steps:
                  - id: wait
                    uses: wait
                    with: { signal: approve }
            """, null, null, async runId =>
            {
                await fixture.StepReachesAsync(runId, "gate", "wait", WorkStatus.Running);
                await fixture.Client.CancelAsync(runId, "nobody approves");
            });

        Assert.Equal(WorkStatus.Cancelled, snapshot.Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("gate").Step("wait").Status);
        Assert.Equal(ControlOutcome.NotApplicable, (await fixture.Client.CancelAsync(snapshot.Id, "again")).Outcome);
    }

    [Fact]
    public async Task CancelRun_UnknownRun_SaysSo()
    {
        var answer = await fixture.Client.CancelAsync(WorkflowClient.NewRunId(), "why not");

        Assert.Equal(ControlOutcome.NotFound, answer.Outcome);
        Assert.Contains("does not exist", answer.Message);
    }
}
