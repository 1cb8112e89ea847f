using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Tasks run in parallel, ordered only by <c>needs</c>; the steps of a task run in order.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class OrderingTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_IndependentTasks_RunAtTheSameTime()
    {
        // Each task marks that it started, then waits for the other's mark: run one after the other, they would
        // never see it and fail after 30 s.
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-order-parallel
            params: { dir: string }
            tasks:
              left:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        touch "$DIR/left"
                        i=0; while [ ! -f "$DIR/right" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
              right:
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}" }
                      run: |
                        touch "$DIR/right"
                        i=0; while [ ! -f "$DIR/left" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
    }

    [Fact]
    public async Task Run_TaskWithNeeds_StartsAfterEveryUpstreamEndedAndReadsTheirOutputs()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-order-needs
            tasks:
              a:
                steps:
                  - uses: shell
                    with: { run: "sleep 0.3; echo a" }
                outputs: { v: "${{ steps['step-1'].output.stdout.trim() }}" }
              b:
                steps:
                  - uses: shell
                    with: { run: "sleep 0.1; echo b" }
                outputs: { v: "${{ steps['step-1'].output.stdout.trim() }}" }
              c:
                needs: [a, b]
                steps:
                  - uses: noop
                    with: { joined: "${{ tasks.a.outputs.v + tasks.b.outputs.v }}" }
              d:
                needs: [c]
                steps:
                  - uses: noop
                    with: { joined: "${{ tasks.c.outputs.joined + '!' }}" }
            outputs:
              result: "${{ tasks.d.outputs.joined }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("ab!", snapshot.Outputs()!["result"]!.GetValue<string>());
        var (a, b, c, d) = (snapshot.Task("a"), snapshot.Task("b"), snapshot.Task("c"), snapshot.Task("d"));
        Assert.True(c.StartedAt >= a.EndedAt && c.StartedAt >= b.EndedAt, snapshot.Show());
        Assert.True(d.StartedAt >= c.EndedAt, snapshot.Show());
    }

    [Fact]
    public async Task Run_StepsOfOneTask_RunInOrderEachAfterThePreviousEnded()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-order-steps
            params: { dir: string }
            tasks:
              only:
                steps:
                  - id: first
                    uses: shell
                    with: { run: 'sleep 0.2; echo first >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
                  - id: second
                    uses: shell
                    with: { run: 'echo second >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
                  - id: third
                    uses: shell
                    with: { run: 'sleep 0.1; echo third >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(["first", "second", "third"], dir.Lines("log"));
        var steps = snapshot.Task("only").Steps;
        Assert.Equal(["first", "second", "third"], steps.Select(s => s.Id));
        Assert.All(steps, s => Assert.Equal(WorkStatus.Succeeded, s.Status));
        Assert.True(steps[1].StartedAt >= steps[0].EndedAt && steps[2].StartedAt >= steps[1].EndedAt, snapshot.Show());
    }

    [Fact]
    public async Task Run_FailedStep_StopsTheRestOfItsTask()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-order-step-fails
            params: { dir: string }
            tasks:
              only:
                steps:
                  - id: breaks
                    uses: shell
                    with: { run: "echo broken >&2; exit 4" }
                  - id: never
                    uses: shell
                    with: { run: 'echo never >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """, RunKit.Params(("dir", dir.Path)));

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var task = snapshot.Task("only");
        Assert.Equal(WorkStatus.Failed, task.Status);
        Assert.Equal(WorkStatus.Failed, task.Step("breaks").Status);
        Assert.Contains("exit code 4: broken", task.Step("breaks").Error);
        Assert.NotEqual(WorkStatus.Succeeded, task.Step("never").Status);
        Assert.Equal(0, task.Step("never").Attempts);
        Assert.Empty(dir.Lines("log"));
    }
}
