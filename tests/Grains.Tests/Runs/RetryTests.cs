using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Retries (attempts, delay, backoff, max_delay, inheritance) and <c>continue_on_error</c>.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class RetryTests(WorkflowClusterFixture fixture)
{
    // Fails until it has been tried $N times; writes the time of each try.
    private const string FailUntilN = """
        echo "$(date +%s%N)" >> "$DIR/tries"
        n=$(wc -l < "$DIR/tries")
        echo "attempt $OWF_ATTEMPT of try $n"
        [ "$n" -ge "$N" ] || { echo "not yet ($n)" >&2; exit 1; }
        """;

    [Fact]
    public async Task Run_StepFailingTwice_SucceedsOnTheThirdAttemptAfterBackoffDelays()
    {
        using var dir = new TempDir();
        var (snapshot, events) = await fixture.RunWatchedAsync($$$"""
            name: runs-retry-succeeds
            params: { dir: string }
            tasks:
              only:
                steps:
                  - id: flaky
                    uses: shell
                    retry: { attempts: 5, delay: 200ms, backoff: 2.0 }
                    with:
                      env: { DIR: "${{ params.dir }}", N: 3 }
                      run: |
            {{{Indent(FailUntilN, 14)}}}
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var step = snapshot.Task("only").Step("flaky");
        Assert.Equal(3, step.Attempts);
        Assert.Equal(WorkStatus.Succeeded, step.Status);
        Assert.Contains("attempt 3 of try 3", step.Output()!["stdout"]!.GetValue<string>());
        var tries = dir.Lines("tries").Select(RunKit.Nanos).ToArray();
        Assert.Equal(3, tries.Length);
        Assert.True(tries[1] - tries[0] >= 200_000_000, $"first retry after {(tries[1] - tries[0]) / 1e6} ms");
        Assert.True(tries[2] - tries[1] >= 400_000_000, $"second retry after {(tries[2] - tries[1]) / 1e6} ms");
        Assert.Equal(2, events.Count(e => e.Kind == RunEventKind.StepRetryScheduled && e.Step == "flaky"));
        Assert.Equal(3, events.Count(e => e.Kind == RunEventKind.StepStarted && e.Step == "flaky"));
        Assert.Equal([1, 2, 3], events.Where(e => e.Kind == RunEventKind.StepStarted).Select(e => e.Attempt));
    }

    [Fact]
    public async Task Run_StepFailingEveryAttempt_FailsAfterAllAttemptsWithTheLastError()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync($$$"""
            name: runs-retry-exhausted
            params: { dir: string }
            tasks:
              only:
                retry: { attempts: 3, delay: 50ms }
                steps:
                  - id: flaky
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}", N: 10 }
                      run: |
            {{{Indent(FailUntilN, 14)}}}
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var step = snapshot.Task("only").Step("flaky");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Equal(3, step.Attempts);
        Assert.Contains("not yet (3)", step.Error);
        Assert.Equal(3, dir.Lines("tries").Length);
    }

    [Fact]
    public async Task Run_RetryWithMaxDelay_CapsEveryWait()
    {
        // Without the cap the third wait would be 100ms * 10 * 10 = 10 s.
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync($$$"""
            name: runs-retry-max-delay
            params: { dir: string }
            defaults:
              retry: { attempts: 4, delay: 100ms, backoff: 10, max_delay: 300ms }
            tasks:
              only:
                steps:
                  - id: flaky
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}", N: 4 }
                      run: |
            {{{Indent(FailUntilN, 14)}}}
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(4, snapshot.Task("only").Step("flaky").Attempts);
        var tries = dir.Lines("tries").Select(RunKit.Nanos).ToArray();
        Assert.True(tries[2] - tries[1] >= 300_000_000, $"second wait {(tries[2] - tries[1]) / 1e6} ms");
        Assert.True(tries[3] - tries[2] >= 300_000_000, $"third wait {(tries[3] - tries[2]) / 1e6} ms");
        Assert.True(tries[3] - tries[2] < 5_000_000_000, $"third wait {(tries[3] - tries[2]) / 1e6} ms: max_delay ignored");
    }

    [Fact]
    public async Task Run_StepRetryOverridesTaskAndDefaults_AsAWholeBlock()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync($$$"""
            name: runs-retry-nearest-wins
            params: { dir: string }
            defaults:
              retry: { attempts: 5, delay: 10ms }
            tasks:
              only:
                retry: { attempts: 4, delay: 10ms }
                steps:
                  - id: own
                    uses: shell
                    retry: { attempts: 2 }
                    with:
                      env: { DIR: "${{ params.dir }}", N: 10 }
                      run: |
            {{{Indent(FailUntilN, 14)}}}
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(2, snapshot.Task("only").Step("own").Attempts);
        Assert.Equal(2, dir.Lines("tries").Length);
    }

    [Fact]
    public async Task Run_ContinueOnError_RecordsTheFailureAndTheTaskAndRunGoOn()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-retry-continue-on-error
            tasks:
              only:
                steps:
                  - id: optional
                    uses: shell
                    continue_on_error: true
                    retry: { attempts: 2, delay: 10ms }
                    with: { run: "echo nope >&2; exit 7" }
                  - id: next
                    uses: noop
                    with:
                      status: "${{ steps.optional.status }}"
                      output: "${{ steps.optional.output }}"
              after:
                needs: [only]
                steps: [{ uses: noop, with: { v: "${{ tasks.only.outputs.status }}" } }]
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var task = snapshot.Task("only");
        Assert.Equal(WorkStatus.Succeeded, task.Status);
        var optional = task.Step("optional");
        Assert.Equal(WorkStatus.Failed, optional.Status);
        Assert.Equal(2, optional.Attempts);
        Assert.Contains("exit code 7: nope", optional.Error);
        var next = task.Step("next").Output()!;
        Assert.Equal("failed", next["status"]!.GetValue<string>());
        Assert.Null(next["output"]);
        Assert.Equal("failed", snapshot.Task("after").Outputs()!["v"]!.GetValue<string>());
        Assert.Null(snapshot.Error);
    }

    [Fact]
    public async Task Run_ContinueOnErrorOnLastStep_TaskSucceedsWithNullOutputs()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-retry-continue-on-error-last
            tasks:
              only:
                steps:
                  - uses: noop
                    with: { v: 1 }
                  - id: last
                    uses: shell
                    continue_on_error: true
                    with: { run: "echo out; exit 1" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("only").Status);
        Assert.Null(snapshot.Task("only").Outputs());
    }

    internal static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(l => new string(' ', spaces) + l));
}
