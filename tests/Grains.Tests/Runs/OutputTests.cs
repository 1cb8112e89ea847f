using Orleans.Workflow.Execution;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Step outputs, task outputs (explicit, default) and run outputs; the output size limit.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class OutputTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_StepOutputs_LaterStepsReadEarlierStepsOutputAndStatus()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-steps
            tasks:
              only:
                steps:
                  - id: produce
                    uses: shell
                    with: { run: 'echo "{\"rows\": [1, 2, 3], \"name\": \"x\"}"' }
                  - id: consume
                    uses: noop
                    with:
                      total: "${{ steps.produce.output.json.rows.reduce((a, b) => a + b, 0) }}"
                      status: "${{ steps.produce.status }}"
                      text: "name=${{ steps.produce.output.json.name }} rows=${{ steps.produce.output.json.rows }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var produce = snapshot.Task("only").Step("produce").Output()!;
        Assert.Equal(0, produce["exit_code"]!.GetValue<int>());
        Assert.Equal(3, produce["json"]!["rows"]!.AsArray().Count);
        var consume = snapshot.Task("only").Step("consume").Output()!;
        Assert.Equal(6, consume["total"]!.GetValue<int>());
        Assert.Equal("succeeded", consume["status"]!.GetValue<string>());
        Assert.Equal("name=x rows=[1,2,3]", consume["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_TaskWithoutOutputs_OutputsAreTheLastStepsOutput()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-task-default
            tasks:
              first:
                steps:
                  - uses: noop
                    with: { a: 1 }
                  - uses: noop
                    with: { b: "${{ steps['step-1'].output.a + 1 }}", list: [x, y] }
              second:
                needs: [first]
                steps:
                  - uses: noop
                    with: { b: "${{ tasks.first.outputs.b }}", y: "${{ tasks.first.outputs.list[1] }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"b":2,"list":["x","y"]}""", snapshot.Task("first").Outputs()!.ToJsonString());
        Assert.Equal("""{"b":2,"y":"y"}""", snapshot.Task("second").Outputs()!.ToJsonString());
    }

    [Fact]
    public async Task Run_TaskWithOutputs_OutputsAreTheEvaluatedMap()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-task-explicit
            params: { factor: { type: int, default: 10 } }
            tasks:
              calc:
                steps:
                  - id: one
                    uses: noop
                    with: { v: 4 }
                  - id: two
                    uses: noop
                    with: { v: 5 }
                outputs:
                  product: "${{ steps.one.output.v * steps.two.output.v * params.factor }}"
                  label: "run ${{ run.playbook }}"
                  fixed: 7
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"product":200,"label":"run runs-outputs-task-explicit","fixed":7}""", snapshot.Task("calc").Outputs()!.ToJsonString());
    }

    [Fact]
    public async Task Run_RunOutputs_ReadEveryTaskIncludingSkippedOnes()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-run
            tasks:
              a:
                steps: [{ uses: noop, with: { v: 1 } }]
              b:
                needs: [a]
                steps: [{ uses: noop, with: { v: "${{ tasks.a.outputs.v + 1 }}" } }]
              off:
                if: "${{ false }}"
                steps: [{ uses: noop, with: { v: 3 } }]
            outputs:
              sum: "${{ tasks.a.outputs.v + tasks.b.outputs.v }}"
              off: "${{ tasks.off.outputs?.v ?? 'none' }}"
              status: "${{ tasks.off.status }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"sum":3,"off":"none","status":"skipped"}""", snapshot.Outputs()!.ToJsonString());
    }

    [Fact]
    public async Task Run_RunOutputsExpressionThrows_FailsTheRunWithTheError()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-run-throws
            tasks:
              only:
                steps: [{ uses: noop, with: { v: null } }]
            outputs:
              n: "${{ tasks.only.outputs.v.length }}"
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("only").Status);
        Assert.Contains("run outputs failed", snapshot.Error!.Message);
    }

    [Fact]
    public async Task Run_TaskOutputsExpressionThrows_FailsTheTaskWithTheError()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-task-throws
            tasks:
              only:
                steps: [{ id: s, uses: noop, with: { v: null } }]
                outputs:
                  n: "${{ steps.s.output.v.length }}"
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Task("only").Status);
        Assert.Contains("outputs", snapshot.Task("only").Error);
    }

    [Fact]
    public async Task Run_StepInputExpressionThrows_FailsTheStepWithTheJavaScriptError()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-input-throws
            tasks:
              only:
                steps:
                  - id: s
                    uses: noop
                    with: { v: null }
                  - id: t
                    uses: noop
                    retry: { attempts: 3, delay: 10ms }
                    with: { n: "${{ steps.s.output.v.length }}" }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var step = snapshot.Task("only").Step("t");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Contains("input failed", step.Error);
        Assert.Contains("length", step.Error);
    }

    [Fact]
    public async Task Run_StepOutputOverTheLimit_FailsTheStepWithAClearMessage()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-too-large
            tasks:
              big:
                steps:
                  - id: huge
                    uses: noop
                    with: { text: "${{ 'x'.repeat(1100000) }}" }
              after:
                needs: [big]
                steps: [{ uses: noop, with: { v: 1 } }]
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var step = snapshot.Task("big").Step("huge");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Null(step.OutputJson);
        Assert.Contains("1,100,", step.Error);
        Assert.Contains($"{WorkflowOptions.DefaultMaxOutputBytes:N0} bytes (Workflow:MaxOutputBytes)", step.Error);
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("after").Status);
        Assert.Contains("Workflow:MaxOutputBytes", snapshot.Error!.Message);
    }

    [Fact]
    public async Task Run_StepOutputJustUnderTheLimit_Succeeds()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-outputs-under-limit
            tasks:
              big:
                steps:
                  - id: large
                    uses: noop
                    with: { text: "${{ 'x'.repeat(1000000) }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Error?.Message);
        Assert.Equal(1_000_000, snapshot.Task("big").Step("large").Output()!["text"]!.GetValue<string>().Length);
    }
}
