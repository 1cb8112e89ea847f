using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>
/// Every trigger rule end to end, over upstreams that succeeded (<c>ok</c>), failed (<c>bad</c>), timed out
/// (<c>slow</c>) or were skipped (<c>off</c>), with skips propagating down chains.
/// </summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class TriggerRuleTests(WorkflowClusterFixture fixture)
{
    private const string Matrix = """
        name: runs-trigger-rules
        tasks:
          ok:
            steps: [{ uses: noop, with: { v: ok } }]
          bad:
            steps: [{ uses: shell, with: { run: "exit 1" } }]
          slow:
            steps: [{ uses: shell, with: { run: "sleep 30" }, timeout: 200ms }]
          off:
            if: "${{ false }}"
            steps: [{ uses: noop, with: { v: off } }]

          all_success_ok:        { needs: [ok], steps: [{ uses: noop, with: { v: 1 } }] }
          all_success_bad:       { needs: [ok, bad], steps: [{ uses: noop, with: { v: 1 } }] }
          all_success_timed_out: { needs: [ok, slow], steps: [{ uses: noop, with: { v: 1 } }] }
          all_success_off:       { needs: [ok, off], steps: [{ uses: noop, with: { v: 1 } }] }
          chain_after_skip:      { needs: [all_success_bad], steps: [{ uses: noop, with: { v: 1 } }] }
          chain_after_skip_2:    { needs: [chain_after_skip], steps: [{ uses: noop, with: { v: 1 } }] }

          all_done_mixed:        { needs: [ok, bad, off, slow], trigger_rule: all_done, steps: [{ uses: noop, with: { v: 1 } }] }
          all_done_after_skip:   { needs: [chain_after_skip], trigger_rule: all_done, steps: [{ uses: noop, with: { v: 1 } }] }

          all_failed_yes:        { needs: [bad, slow], trigger_rule: all_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          all_failed_ok:         { needs: [bad, ok], trigger_rule: all_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          all_failed_off:        { needs: [bad, off], trigger_rule: all_failed, steps: [{ uses: noop, with: { v: 1 } }] }

          one_failed_yes:        { needs: [ok, bad], trigger_rule: one_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          one_failed_timed_out:  { needs: [ok, slow], trigger_rule: one_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          one_failed_no:         { needs: [ok, off], trigger_rule: one_failed, steps: [{ uses: noop, with: { v: 1 } }] }

          one_success_yes:       { needs: [bad, ok], trigger_rule: one_success, steps: [{ uses: noop, with: { v: 1 } }] }
          one_success_no:        { needs: [bad, off], trigger_rule: one_success, steps: [{ uses: noop, with: { v: 1 } }] }

          none_failed_yes:       { needs: [ok, off], trigger_rule: none_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          none_failed_after_skip: { needs: [chain_after_skip], trigger_rule: none_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          none_failed_bad:       { needs: [ok, bad], trigger_rule: none_failed, steps: [{ uses: noop, with: { v: 1 } }] }
          none_failed_timed_out: { needs: [ok, slow], trigger_rule: none_failed, steps: [{ uses: noop, with: { v: 1 } }] }
        """;

    private static Task<RunSnapshot>? s_matrix;

    private Task<RunSnapshot> MatrixAsync() => s_matrix ??= fixture.RunAsync(Matrix);

    [Theory]
    [InlineData("ok", WorkStatus.Succeeded, null)]
    [InlineData("bad", WorkStatus.Failed, null)]
    [InlineData("slow", WorkStatus.TimedOut, null)]
    [InlineData("off", WorkStatus.Skipped, "condition")]
    [InlineData("all_success_ok", WorkStatus.Succeeded, null)]
    [InlineData("all_success_bad", WorkStatus.Skipped, "upstream_failed")]
    [InlineData("all_success_timed_out", WorkStatus.Skipped, "upstream_failed")]
    [InlineData("all_success_off", WorkStatus.Skipped, "upstream_skipped")]
    [InlineData("chain_after_skip", WorkStatus.Skipped, "upstream_skipped")]
    [InlineData("chain_after_skip_2", WorkStatus.Skipped, "upstream_skipped")]
    [InlineData("all_done_mixed", WorkStatus.Succeeded, null)]
    [InlineData("all_done_after_skip", WorkStatus.Succeeded, null)]
    [InlineData("all_failed_yes", WorkStatus.Succeeded, null)]
    [InlineData("all_failed_ok", WorkStatus.Skipped, "trigger_rule")]
    [InlineData("all_failed_off", WorkStatus.Skipped, "trigger_rule")]
    [InlineData("one_failed_yes", WorkStatus.Succeeded, null)]
    [InlineData("one_failed_timed_out", WorkStatus.Succeeded, null)]
    [InlineData("one_failed_no", WorkStatus.Skipped, "trigger_rule")]
    [InlineData("one_success_yes", WorkStatus.Succeeded, null)]
    [InlineData("one_success_no", WorkStatus.Skipped, "trigger_rule")]
    [InlineData("none_failed_yes", WorkStatus.Succeeded, null)]
    [InlineData("none_failed_after_skip", WorkStatus.Succeeded, null)]
    [InlineData("none_failed_bad", WorkStatus.Skipped, "upstream_failed")]
    [InlineData("none_failed_timed_out", WorkStatus.Skipped, "upstream_failed")]
    public async Task Run_TriggerRuleMatrix_TaskEndsAsTheRuleSays(string task, WorkStatus status, string? reason)
    {
        var snapshot = await MatrixAsync();

        var actual = snapshot.Task(task);
        Assert.True(actual.Status == status, $"{task}: expected {status.Name()}, was {actual.Status.Name()}\n{snapshot.Show()}");
        Assert.Equal(reason, actual.Reason);
        if (status == WorkStatus.Skipped)
        {
            Assert.All(actual.Steps, s => Assert.Equal(0, s.Attempts));
        }
    }

    [Fact]
    public async Task Run_TriggerRuleMatrix_FailsBecauseTasksFailedEvenThoughFallbacksSucceeded()
    {
        var snapshot = await MatrixAsync();

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
    }

    [Fact]
    public async Task Run_OneFailed_StartsAsSoonAsOneUpstreamFailedWhileAnotherStillRuns()
    {
        // 'slow' only ends once 'fallback' has run: one_failed must not wait for every upstream.
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-trigger-one-failed-early
            params: { dir: string }
            tasks:
              bad:
                steps: [{ uses: shell, with: { run: "exit 1" } }]
              slow:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: i=0; while [ ! -f "$DIR/fallback" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
              fallback:
                needs: [bad, slow]
                trigger_rule: one_failed
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/fallback"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("fallback").Status);
        Assert.True(snapshot.Task("slow").Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.True(snapshot.Task("fallback").StartedAt < snapshot.Task("slow").EndedAt);
        Assert.Equal(WorkStatus.Failed, snapshot.Status);
    }

    [Fact]
    public async Task Run_OneSuccess_StartsAsSoonAsOneUpstreamSucceededWhileAnotherStillRuns()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-trigger-one-success-early
            params: { dir: string }
            tasks:
              fast:
                steps: [{ uses: noop, with: { v: fast } }]
              slow:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: i=0; while [ ! -f "$DIR/publish" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
              publish:
                needs: [fast, slow]
                trigger_rule: one_success
                steps:
                  - uses: shell
                    with: { run: 'touch "$DIR/publish"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.True(snapshot.Task("publish").StartedAt < snapshot.Task("slow").EndedAt);
    }

    [Fact]
    public async Task Run_AllSuccess_SkipsAsSoonAsOneUpstreamFailedWhileAnotherStillRuns()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-trigger-all-success-early
            params: { dir: string }
            tasks:
              bad:
                steps: [{ uses: shell, with: { run: "exit 1" } }]
              slow:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: i=0; while [ ! -f "$DIR/go" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
              dependent:
                needs: [bad, slow]
                steps: [{ uses: noop, with: { v: 1 } }]
              watcher:
                needs: [bad]
                trigger_rule: one_failed
                steps:
                  - uses: noop
                    with: { v: 1 }
            """, RunKit.Params(("dir", dir.Path)), null, async runId =>
            {
                await fixture.SnapshotWhenAsync(runId, s => s.Task("dependent").Status == WorkStatus.Skipped, "dependent skipped while slow runs");
                var snapshot = await fixture.Client.GetSnapshotAsync(runId);
                Assert.Equal(WorkStatus.Running, snapshot.Task("slow").Status);
                Assert.Equal("upstream_failed", snapshot.Task("dependent").Reason);
                dir.Touch("go");
            });

        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("slow").Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Status);
    }
}
