using System.Diagnostics;
using Orleans.Workflow.Client;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Every clock: one attempt, the whole task, the whole run (playbook <c>timeout</c> and the start option).</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class TimeoutTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_StepAttemptTimeout_StepAndTaskTimedOutAndRunFailed()
    {
        using var dir = new TempDir();
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-step
            params: { dir: string }
            tasks:
              slow:
                steps:
                  - id: sleeps
                    uses: shell
                    timeout: 300ms
                    with: { run: 'echo $$ > "$DIR/pid"; sleep 30', env: { DIR: "${{ params.dir }}" } }
                  - id: never
                    uses: noop
                    with: { v: 1 }
              after:
                needs: [slow]
                steps: [{ uses: noop, with: { v: 1 } }]
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"took {watch.Elapsed}");
        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var task = snapshot.Task("slow");
        Assert.Equal(WorkStatus.TimedOut, task.Status);
        Assert.Equal(WorkStatus.TimedOut, task.Step("sleeps").Status);
        Assert.Contains("timed out after 300ms", task.Step("sleeps").Error);
        Assert.Equal(0, task.Step("never").Attempts);
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("after").Status);
        Assert.Equal("upstream_failed", snapshot.Task("after").Reason);
        Assert.Contains("timed_out", snapshot.Error!.Message);
        await FailureTests.AssertProcessEndsAsync(int.Parse(File.ReadAllText(dir.File("pid")).Trim()));
    }

    [Fact]
    public async Task Run_StepTimingOutEveryAttempt_IsRetriedThenTimedOut()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-step-retried
            params: { dir: string }
            tasks:
              slow:
                steps:
                  - id: sleeps
                    uses: shell
                    timeout: 200ms
                    retry: { attempts: 2, delay: 10ms }
                    with: { run: 'echo try >> "$DIR/tries"; sleep 30', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var step = snapshot.Task("slow").Step("sleeps");
        Assert.Equal(WorkStatus.TimedOut, step.Status);
        Assert.Equal(2, step.Attempts);
        Assert.Equal(2, dir.Lines("tries").Length);
        Assert.Equal(WorkStatus.TimedOut, snapshot.Task("slow").Status);
    }

    [Fact]
    public async Task Run_DefaultsTimeout_AppliesToStepsWithoutTheirOwn()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-defaults
            defaults:
              timeout: 300ms
            tasks:
              slow:
                steps:
                  - id: inherits
                    uses: shell
                    with: { run: "sleep 30" }
              own:
                steps:
                  - id: overrides
                    uses: shell
                    timeout: 20s
                    with: { run: "sleep 0.6" }
            """);

        Assert.Equal(WorkStatus.TimedOut, snapshot.Task("slow").Step("inherits").Status);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("own").Step("overrides").Status);
    }

    [Fact]
    public async Task Run_TaskTimeout_BoundsTheWholeTaskAcrossSteps()
    {
        // Each step is within its own 20 s timeout; together they exceed the task's 1 s.
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-task
            tasks:
              bounded:
                timeout: 1s
                steps:
                  - id: first
                    uses: shell
                    timeout: 20s
                    with: { run: "sleep 0.4" }
                  - id: second
                    uses: shell
                    timeout: 20s
                    with: { run: "sleep 30" }
              independent:
                steps: [{ uses: noop, with: { v: 1 } }]
            """);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var task = snapshot.Task("bounded");
        Assert.Equal(WorkStatus.TimedOut, task.Status);
        Assert.Equal(WorkStatus.Succeeded, task.Step("first").Status);
        Assert.True(task.Step("second").Status == WorkStatus.TimedOut, snapshot.Show());
        Assert.Contains("the task's timeout of 1s expired", task.Step("second").Error);
        Assert.True(task.EndedAt - task.StartedAt < TimeSpan.FromSeconds(10), snapshot.Show());
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("independent").Status);
    }

    [Fact]
    public async Task Run_PlaybookTimeout_RunTimedOutAndUnfinishedTasksCancelled()
    {
        using var dir = new TempDir();
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-run-playbook
            params: { dir: string }
            timeout: 1s
            tasks:
              quick:
                steps: [{ uses: noop, with: { v: 1 } }]
              slow:
                steps:
                  - id: sleeps
                    uses: shell
                    with: { run: 'echo $$ > "$DIR/pid"; sleep 30', env: { DIR: "${{ params.dir }}" } }
              after:
                needs: [slow]
                steps: [{ uses: noop, with: { v: 1 } }]
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.True(snapshot.Status == WorkStatus.TimedOut, snapshot.Show());
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("quick").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("slow").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("slow").Step("sleeps").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("after").Status);
        Assert.Contains("timed out", snapshot.Error!.Message);
        await FailureTests.AssertProcessEndsAsync(int.Parse(File.ReadAllText(dir.File("pid")).Trim()));
    }

    [Fact]
    public async Task Run_TimeoutOption_OverridesThePlaybookTimeoutAndTimesOutTheRun()
    {
        var name = await fixture.RegisterAsync("""
            name: runs-timeout-run-option
            timeout: 1h
            tasks:
              slow:
                steps:
                  - uses: shell
                    with: { run: "sleep 30" }
            """);
        var watch = Stopwatch.StartNew();
        var runId = await fixture.Client.StartRunAsync(name, null, new StartRunOptions { Timeout = TimeSpan.FromMilliseconds(800) });
        var snapshot = await fixture.EndOfAsync(runId);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.True(snapshot.Status == WorkStatus.TimedOut, snapshot.Show());
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("slow").Status);
    }

    [Fact]
    public async Task Run_RunTimeoutWhileARetryWaits_RunTimedOutAndStepCancelled()
    {
        // The run's timer ends the run even when nothing runs at that moment: the step waits to retry.
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-run-during-retry
            timeout: 1s
            tasks:
              flaky:
                steps:
                  - id: fails
                    uses: shell
                    retry: { attempts: 3, delay: 20s }
                    with: { run: "exit 1" }
            """);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.True(snapshot.Status == WorkStatus.TimedOut, snapshot.Show());
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("flaky").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("flaky").Step("fails").Status);
        Assert.Equal(1, snapshot.Task("flaky").Step("fails").Attempts);
    }

    [Fact]
    public async Task Run_TaskTimeoutWhileARetryWouldStartTooLate_TaskEndsWithoutWaiting()
    {
        // The next attempt would start after the task's timeout: the step gives up at once with its last error.
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync("""
            name: runs-timeout-task-retry-too-late
            tasks:
              flaky:
                timeout: 2s
                steps:
                  - id: fails
                    uses: shell
                    retry: { attempts: 3, delay: 20s }
                    with: { run: "echo nope >&2; exit 1" }
            """);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(1, snapshot.Task("flaky").Step("fails").Attempts);
        Assert.Contains("nope", snapshot.Task("flaky").Step("fails").Error);
    }
}
