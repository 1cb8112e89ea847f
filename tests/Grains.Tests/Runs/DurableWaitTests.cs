using Orleans.Runtime;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>A run waiting for a signal holds no activation: its grains can be collected and the signal wakes them.</summary>
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
                var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
                await management.ForceActivationCollection(TimeSpan.Zero);

                // Collected: the step is no longer among the silo's activations (polled with a deadline).
                var deadline = DateTime.UtcNow + RunKit.Patience;
                while ((await management.GetDetailedGrainStatistics()).Any(s => s.GrainId.ToString().Contains(runId, StringComparison.Ordinal)))
                {
                    Assert.True(DateTime.UtcNow < deadline, "the run's grains were never collected");
                    await management.ForceActivationCollection(TimeSpan.Zero);
                    await Task.Delay(100);
                }

                await fixture.Client.SignalAsync(runId, "go", """{"who": "ops"}""");
            });

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("ops", snapshot.Task("approve").Step("after").Output()!["who"]!.GetValue<string>());
        Assert.Equal(1, snapshot.Task("approve").Step("gate").Attempts);
    }
}
