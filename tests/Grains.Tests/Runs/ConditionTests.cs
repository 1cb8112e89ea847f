using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Step and task <c>if</c>: falsy skips with reason <c>condition</c>; the rest goes on.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class ConditionTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_StepIfFalse_SkipsTheStepWithNullOutputAndTheTaskGoesOn()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-if-step
            params: { dir: string, go: { type: bool, default: false } }
            tasks:
              only:
                steps:
                  - id: maybe
                    uses: shell
                    if: "${{ params.go }}"
                    with: { run: 'echo ran >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
                  - id: after
                    uses: noop
                    with:
                      status: "${{ steps.maybe.status }}"
                      output: "${{ steps.maybe.output }}"
                  - id: tail
                    uses: noop
                    if: "${{ steps.after.output.status === 'failed' }}"
                    with: { x: 1 }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var task = snapshot.Task("only");
        Assert.Equal(WorkStatus.Succeeded, task.Status);
        Assert.Equal(WorkStatus.Skipped, task.Step("maybe").Status);
        Assert.Equal("condition", task.Step("maybe").Reason);
        Assert.Empty(dir.Lines("log"));
        var after = task.Step("after").Output()!;
        Assert.Equal("skipped", after["status"]!.GetValue<string>());
        Assert.Null(after["output"]);
        Assert.Equal(WorkStatus.Skipped, task.Step("tail").Status);
        Assert.Null(task.Outputs()); // the last step was skipped: the default outputs are null
    }

    [Fact]
    public async Task Run_StepIfTrue_RunsTheStep()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-if-step-true
            params: { dir: string }
            tasks:
              only:
                steps:
                  - id: maybe
                    uses: shell
                    if: "${{ params.dir.length > 0 }}"
                    with: { run: 'echo ran >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("only").Step("maybe").Status);
        Assert.Equal(["ran"], dir.Lines("log"));
    }

    [Fact]
    public async Task Run_TaskIfFalse_SkipsTheTaskWithReasonConditionAndItsDependents()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-if-task
            params: { dir: string, mode: { type: choice, options: [dry, wet], default: dry } }
            tasks:
              load:
                if: "${{ params.mode !== 'dry' }}"
                steps:
                  - uses: shell
                    with: { run: 'echo load >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              after_load:
                needs: [load]
                steps:
                  - uses: shell
                    with: { run: 'echo after >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              independent:
                steps:
                  - uses: noop
                    with: { ok: true }
              cleanup:
                needs: [load]
                trigger_rule: none_failed
                steps:
                  - uses: noop
                    with: { load_status: "${{ tasks.load.status }}", load_outputs: "${{ tasks.load.outputs }}" }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("load").Status);
        Assert.Equal("condition", snapshot.Task("load").Reason);
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("after_load").Status);
        Assert.Equal("upstream_skipped", snapshot.Task("after_load").Reason);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("independent").Status);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("cleanup").Status);
        Assert.Equal("skipped", snapshot.Task("cleanup").Outputs()!["load_status"]!.GetValue<string>());
        Assert.Null(snapshot.Task("cleanup").Outputs()!["load_outputs"]);
        Assert.Empty(dir.Lines("log"));
    }

    [Fact]
    public async Task Run_TaskIfThrows_FailsTheTaskWithTheJavaScriptError()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-if-task-throws
            tasks:
              broken:
                if: "${{ null.length > 0 }}"
                steps:
                  - uses: noop
                    with: { x: 1 }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Task("broken").Status);
        Assert.Contains("null", snapshot.Task("broken").Error);
    }
}
