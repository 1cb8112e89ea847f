using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>A <c>playbook</c> step starts a child run: its outputs come back; a failing child fails the step.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class ChildPlaybookTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_ChildPlaybookStep_ReturnsTheChildsIdAndOutputs()
    {
        await fixture.RegisterAsync("""
            name: runs-child-ok
            params: { n: int }
            tasks:
              double:
                steps: [{ uses: noop, with: { v: "${{ params.n * 2 }}" } }]
            outputs:
              doubled: "${{ tasks.double.outputs.v }}"
              kind: "${{ run.trigger.kind }}"
            """);
        var snapshot = await fixture.RunAsync("""
            name: runs-child-parent
            tasks:
              call:
                steps:
                  - id: child
                    uses: playbook
                    with: { name: runs-child-ok, params: { n: "21" } }
                  - id: use
                    uses: noop
                    with: { got: "${{ steps.child.output.outputs.doubled }}" }
            outputs:
              got: "${{ tasks.call.outputs.got }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(42, snapshot.Outputs()!["got"]!.GetValue<int>());
        var output = snapshot.Task("call").Step("child").Output()!;
        Assert.Equal("""{"doubled":42,"kind":"playbook"}""", output["outputs"]!.ToJsonString());
        var childId = output["id"]!.GetValue<string>();
        var child = await fixture.Client.GetSnapshotAsync(childId);
        Assert.Equal("runs-child-ok", child.Playbook);
        Assert.Equal(WorkStatus.Succeeded, child.Status);
    }

    [Fact]
    public async Task Run_FailingChildPlaybook_FailsTheStepWithTheChildsError()
    {
        await fixture.RegisterAsync("""
            name: runs-child-fails
            tasks:
              broken:
                steps:
                  - id: boom
                    uses: shell
                    with: { run: "echo child exploded >&2; exit 1" }
            """);
        var snapshot = await fixture.RunAsync("""
            name: runs-child-parent-of-failure
            tasks:
              call:
                steps:
                  - id: child
                    uses: playbook
                    with: { name: runs-child-fails }
                  - id: never
                    uses: noop
                    with: { v: 1 }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var step = snapshot.Task("call").Step("child");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Contains("failed", step.Error);
        Assert.Contains("child exploded", step.Error);
        Assert.Equal(0, snapshot.Task("call").Step("never").Attempts);
        Assert.Equal("child", snapshot.Error!.Step);
    }

    [Fact]
    public async Task Run_ChildPlaybookWithBadParams_FailsTheStepNamingTheParam()
    {
        await fixture.RegisterAsync("""
            name: runs-child-typed
            params: { n: int }
            tasks:
              only:
                steps: [{ uses: noop, with: { v: "${{ params.n }}" } }]
            """);
        var snapshot = await fixture.RunAsync("""
            name: runs-child-parent-bad-params
            tasks:
              call:
                steps:
                  - id: child
                    uses: playbook
                    with: { name: runs-child-typed, params: { n: "many" } }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Contains("'n'", snapshot.Task("call").Step("child").Error);
    }

    [Fact]
    public async Task Run_ChildPlaybookWithoutWaiting_StepReturnsTheChildIdAtOnce()
    {
        await fixture.RegisterAsync("""
            name: runs-child-slow
            tasks:
              only:
                steps: [{ uses: wait, with: { duration: 1s } }]
            """);
        var snapshot = await fixture.RunAsync("""
            name: runs-child-parent-no-wait
            tasks:
              call:
                steps:
                  - id: child
                    uses: playbook
                    with: { name: runs-child-slow, wait: false }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var childId = snapshot.Task("call").Step("child").Output()!["id"]!.GetValue<string>();
        var child = await fixture.EndOfAsync(childId);
        Assert.Equal(WorkStatus.Succeeded, child.Status);
        Assert.True(child.EndedAt > snapshot.EndedAt, "the parent should not have waited for the child");
    }
}
