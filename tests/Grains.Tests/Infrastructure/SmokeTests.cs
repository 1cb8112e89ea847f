using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Infrastructure;

[Collection(WorkflowClusterCollection.Name)]
public sealed class SmokeTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_TwoSequentialNoopSteps_SucceedsWithLastOutput()
    {
        var name = await fixture.RegisterAsync("""
            name: smoke
            tasks:
              only:
                steps:
                  - id: a
                    uses: noop
                    with: { value: 1 }
                  - id: b
                    uses: noop
                    with: { value: "${{ steps.a.output.value + 1 }}" }
            outputs:
              result: "${{ tasks.only.outputs.value }}"
            """);
        var runId = await fixture.Client.StartRunAsync(name);
        var snapshot = await fixture.Client.WaitForEndAsync(runId);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        Assert.Equal(2, JsonNode.Parse(snapshot.OutputsJson!)!["result"]!.GetValue<int>());
    }
}
