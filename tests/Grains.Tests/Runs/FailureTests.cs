using System.Diagnostics;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>What a failure does to the rest of a run: independent branches go on, fail_fast stops all, the root cause and owner are told.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class FailureTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_FailedTask_IndependentBranchStillRunsToTheEnd()
    {
        // 'other' is still running when 'bad' fails (it waits for bad's mark), and its dependent runs after it.
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-failure-independent
            params: { dir: string }
            tasks:
              bad:
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/bad"; exit 1', env: { DIR: "${{ params.dir }}" } }
              after_bad:
                needs: [bad]
                steps: [{ uses: noop, with: { v: 1 } }]
              other:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        i=0; while [ ! -f "$DIR/bad" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
                        sleep 0.3
                        echo other
              after_other:
                needs: [other]
                steps:
                  - uses: noop
                    with: { got: "${{ tasks.other.outputs.stdout.trim() }}" }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Task("bad").Status);
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("after_bad").Status);
        Assert.Equal("upstream_failed", snapshot.Task("after_bad").Reason);
        Assert.True(snapshot.Task("other").Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.True(snapshot.Task("other").EndedAt > snapshot.Task("bad").EndedAt);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("after_other").Status);
        Assert.Equal("other", snapshot.Task("after_other").Outputs()!["got"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("exit 1", "10m", WorkStatus.Failed)]
    [InlineData("sleep 30", "1s", WorkStatus.TimedOut)]
    public async Task Run_FailFast_CancelsRunningStepsAndNeverStartsTheRest(string failure, string timeout, WorkStatus badStatus)
    {
        using var dir = new TempDir();
        var watch = Stopwatch.StartNew();
        var snapshot = await fixture.RunAsync($$$"""
            name: runs-failure-fail-fast
            params: { dir: string }
            fail_fast: true
            tasks:
              long:
                steps:
                  - id: sleeps
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        echo $$ > "$DIR/pid"
                        sleep 30
                        touch "$DIR/long-finished"
              bad:
                steps:
                  - uses: shell
                    timeout: {{{timeout}}}
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        i=0; while [ ! -s "$DIR/pid" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
                        {{{failure}}}
              after_long:
                needs: [long]
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/after"', env: { DIR: "${{ params.dir }}" } }
              cleanup:
                needs: [long, bad]
                trigger_rule: all_done
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/cleanup"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Failed, snapshot.Show());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"fail_fast took {watch.Elapsed}");
        Assert.Equal(badStatus, snapshot.Task("bad").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("long").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("long").Step("sleeps").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("after_long").Status);
        Assert.Equal(WorkStatus.Cancelled, snapshot.Task("cleanup").Status);
        Assert.Equal("bad", snapshot.Error?.Task);
        Assert.False(dir.Exists("after"));
        Assert.False(dir.Exists("cleanup"));
        await AssertProcessEndsAsync(int.Parse(File.ReadAllText(dir.File("pid")).Trim()));
        Assert.False(dir.Exists("long-finished"));
    }

    [Fact]
    public async Task Run_FailedTask_RootCauseNamesTheFirstFailedTaskItsStepAndError()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-failure-root-cause
            params: { dir: string }
            tasks:
              extract:
                steps:
                  - id: fetch
                    uses: noop
                    with: { v: 1 }
                  - id: parse
                    uses: shell
                    with: { run: 'echo "bad row 7" >&2; touch "$DIR/first"; exit 3', env: { DIR: "${{ params.dir }}" } }
              later:
                steps:
                  - id: also
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        i=0; while [ ! -f "$DIR/first" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
                        sleep 0.3
                        echo "second failure" >&2
                        exit 5
              load:
                needs: [extract]
                steps: [{ uses: noop, with: { v: 1 } }]
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Task("later").Status);
        var error = snapshot.Error;
        Assert.NotNull(error);
        Assert.Equal("extract", error.Task);
        Assert.Equal("parse", error.Step);
        Assert.Null(error.Index);
        Assert.Contains("extract", error.Message);
        Assert.Contains("parse", error.Message);
        Assert.Contains("exit code 3: bad row 7", error.Message);
        Assert.DoesNotContain("second failure", error.Message);
    }

    [Fact]
    public async Task Run_FailedRunWithOwner_OwnerInSnapshotErrorAndFailureEvents()
    {
        var (snapshot, events) = await fixture.RunWatchedAsync("""
            name: runs-failure-owner
            owner: data-platform
            tasks:
              only:
                steps:
                  - id: boom
                    uses: shell
                    with: { run: "exit 2" }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal("data-platform", snapshot.Owner);
        Assert.Contains("data-platform", snapshot.Error!.Message);
        var failed = Assert.Single(events, e => e.Kind == RunEventKind.RunFailed);
        Assert.Equal("data-platform", failed.Owner);
        Assert.Contains("only", failed.Message);
        Assert.Contains(events, e => e.Kind == RunEventKind.RunStarted && e.Owner == "data-platform");
    }

    [Fact]
    public async Task Run_FailedForeachInstance_RootCauseNamesTheItemIndex()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-failure-root-cause-item
            tasks:
              each:
                foreach: "${{ [1, 2, 3] }}"
                steps:
                  - id: check
                    uses: shell
                    with: { run: '[ "$N" != 2 ] || { echo "item two is bad" >&2; exit 1; }', env: { N: "${{ item }}" } }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var task = snapshot.Task("each");
        Assert.Equal(WorkStatus.Failed, task.Status);
        Assert.Equal([WorkStatus.Succeeded, WorkStatus.Failed, WorkStatus.Succeeded], task.Instances!.Select(i => i.Status));
        Assert.Equal("each", snapshot.Error!.Task);
        Assert.Equal("check", snapshot.Error.Step);
        Assert.Equal(1, snapshot.Error.Index);
        Assert.Contains("item two is bad", snapshot.Error.Message);
    }

    internal static async Task AssertProcessEndsAsync(int pid) =>
        await Eventually.HoldsAsync(
            () =>
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    return process.HasExited;
                }
                catch (ArgumentException)
                {
                    return true; // no such process any more
                }
            },
            $"process {pid} of the cancelled step ends",
            TimeSpan.FromSeconds(20));
}
