using Orleans.Runtime;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>A waiting run holds no activation: its grains can be collected, and the signal, or the reminder of a timed wait or retry delay, wakes them.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class DurableWaitTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Signal_AfterEveryActivationWasCollected_ResumesTheRun()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-durable
            tasks:
              approve:
                steps:
                  - id: gate
                    uses: wait
                    with: { signal: go }
                  - id: after
                    uses: noop
                    with: { who: "${{ steps.gate.output.who }}" }
            """, null, null, async runId =>
            {
                await fixture.StepReachesAsync(runId, "approve", "gate", WorkStatus.Running);
                await CollectEveryActivationOfAsync(runId);
                await fixture.Client.SignalAsync(runId, "go", """{"who": "ops"}""");
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("ops", snapshot.Task("approve").Step("after").Output()!["who"]!.GetValue<string>());
        Assert.Equal(1, snapshot.Task("approve").Step("gate").Attempts);
    }

    [Fact]
    public async Task DurationWait_AfterEveryActivationWasCollected_ItsReminderWakesItAndTheRunGoesOn()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-duration-durable
            tasks:
              pause:
                steps:
                  - id: nap
                    uses: wait
                    with: { duration: 4s }
                  - id: after
                    uses: noop
                    with: { done: true }
            """, null, null, async runId =>
            {
                await fixture.StepReachesAsync(runId, "pause", "nap", WorkStatus.Running);
                await CollectEveryActivationOfAsync(runId);
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var nap = snapshot.Task("pause").Step("nap");
        Assert.Equal(1, nap.Attempts);
        Assert.True(nap.EndedAt - nap.StartedAt >= TimeSpan.FromSeconds(4), $"the wait ended after {nap.EndedAt - nap.StartedAt}");
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("pause").Step("after").Status);
    }

    [Fact]
    public async Task RetryDelay_AfterEveryActivationWasCollected_TheNextAttemptStillRuns()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-retry-delay-durable
            params: { dir: string }
            tasks:
              flaky:
                steps:
                  - id: once
                    uses: shell
                    retry: { attempts: 2, delay: 3s }
                    with:
                      run: 'if [ -e "$DIR/tried" ]; then echo second; else touch "$DIR/tried"; exit 3; fi'
                      env: { DIR: "${{ params.dir }}" }
            """, RunKit.Params(("dir", dir.Path)), null, async runId =>
            {
                await Eventually.HoldsAsync(() => dir.Exists("tried"), "the first attempt ran");
                await fixture.SnapshotWhenAsync(runId, s => s.Task("flaky").Step("once").Status == WorkStatus.Queued, "the retry is scheduled");
                await CollectEveryActivationOfAsync(runId);
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(2, snapshot.Task("flaky").Step("once").Attempts);
    }

    [Fact]
    public async Task DurationWait_LongerThanTheStepTimeout_TimesOutAtTheTimeout()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-duration-timeout
            tasks:
              pause:
                steps:
                  - id: nap
                    uses: wait
                    timeout: 1s
                    with: { duration: 10m }
            """);

        Assert.True(snapshot.Status == WorkStatus.Failed, snapshot.Show());
        var nap = snapshot.Task("pause").Step("nap");
        Assert.Equal(WorkStatus.TimedOut, nap.Status);
        Assert.Equal("timed out after 1s", nap.Error);
        Assert.True(nap.EndedAt - nap.StartedAt < TimeSpan.FromMinutes(1), $"the wait ended after {nap.EndedAt - nap.StartedAt}");
    }

    [Fact]
    public async Task UntilWait_InThePast_EndsAtOnce()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-wait-until-past
            tasks:
              pause:
                steps:
                  - id: nap
                    uses: wait
                    with: { until: "2001-01-01T00:00:00Z" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(1, snapshot.Task("pause").Step("nap").Attempts);
    }

    // Collected: none of the run's grains is among the silo's activations (polled with a deadline).
    private async Task CollectEveryActivationOfAsync(string runId)
    {
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var deadline = DateTime.UtcNow + RunKit.Patience;
        while ((await management.GetDetailedGrainStatistics()).Any(s => s.GrainId.ToString().Contains(runId, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the run's grains were never collected");
            await management.ForceActivationCollection(TimeSpan.Zero);
            await Task.Delay(100);
        }
    }
}
