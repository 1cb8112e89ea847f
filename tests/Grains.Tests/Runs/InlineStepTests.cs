using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>
/// Steps whose plugin runs inline (<c>noop</c>, <c>log</c>) are run by their task within its turn: same snapshot,
/// same events, same outputs as through a step grain; anything but a plain success or skip goes to the step grain.
/// </summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class InlineStepTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_InlineSteps_ShowAttemptsTimesOutputsAndEventsWithoutAStepGrain()
    {
        var (snapshot, events) = await fixture.RunWatchedAsync("""
            name: runs-inline-plain
            params: { n: { type: int, default: 3 } }
            tasks:
              only:
                steps:
                  - id: first
                    uses: noop
                    with: { value: "${{ params.n * 2 }}" }
                  - id: said
                    uses: log
                    with: { message: "value is ${{ steps.first.output.value }}" }
                  - id: never
                    uses: noop
                    if: "${{ steps.first.output.value > 100 }}"
                  - id: last
                    uses: noop
                    with: { doubled: "${{ steps.first.output.value }}", skipped: "${{ steps.never.status }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var task = snapshot.Task("only");
        var first = task.Step("first");
        Assert.Equal(WorkStatus.Succeeded, first.Status);
        Assert.Equal(1, first.Attempts);
        Assert.Equal(6, first.Output()!["value"]!.GetValue<int>());
        Assert.NotNull(first.StartedAt);
        Assert.NotNull(first.EndedAt);
        Assert.True(first.EndedAt >= first.StartedAt);
        Assert.Equal(WorkStatus.Skipped, task.Step("never").Status);
        Assert.Equal("condition", task.Step("never").Reason);
        Assert.Equal(0, task.Step("never").Attempts);
        Assert.Equal("skipped", task.Step("last").Output()!["skipped"]!.GetValue<string>());
        Assert.Equal(6, task.Outputs()!["doubled"]!.GetValue<int>());

        var stepEvents = events.Where(e => e.Step is not null).Select(e => $"{e.Step}:{e.Kind}").ToList();
        Assert.Equal(
            ["first:StepStarted", "first:StepSucceeded", "said:StepStarted", "said:StepLog", "said:StepSucceeded", "never:StepSkipped", "last:StepStarted", "last:StepSucceeded"],
            stepEvents);
        Assert.Equal("value is 6", events.Single(e => e.Kind == RunEventKind.StepLog).Message);
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());

        // The task ran them itself: no step grain ever got their command.
        var grain = fixture.Cluster.Client.GetGrain<IStepGrain>(GrainKeys.Step(snapshot.Id, "only", -1, "first"));
        Assert.Null(await grain.GetOutcomeAsync());
    }

    [Fact]
    public async Task Run_InlineStepThatFails_GoesToItsGrainAndIsRetriedUnderItsPolicy()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-inline-fails
            tasks:
              only:
                steps:
                  - id: bad
                    uses: log
                    retry: { attempts: 2, delay: 10ms }
                    with: { message: hello, level: loud }
                  - id: after
                    uses: noop
            """);

        Assert.True(snapshot.Status == WorkStatus.Failed, snapshot.Show());
        var bad = snapshot.Task("only").Step("bad");
        Assert.Equal(WorkStatus.Failed, bad.Status);
        Assert.Equal(2, bad.Attempts);
        Assert.Contains("log level 'loud' is unknown", bad.Error, StringComparison.Ordinal);
        Assert.Equal(WorkStatus.Skipped, snapshot.Task("only").Step("after").Status);
    }

    [Fact]
    public async Task Run_InlineStepWhoseInputFails_FailsWithTheExpressionError()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-inline-input-fails
            tasks:
              only:
                steps:
                  - id: bad
                    uses: noop
                    with: { x: "${{ JSON.parse('{') }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Failed, snapshot.Show());
        var bad = snapshot.Task("only").Step("bad");
        Assert.Equal(WorkStatus.Failed, bad.Status);
        Assert.StartsWith("input failed:", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ForeachOfInlineSteps_KeepsItemOrderAndMaxParallel()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-inline-foreach
            tasks:
              each:
                foreach: "${{ [1, 2, 3, 4, 5] }}"
                max_parallel: 2
                steps:
                  - id: square
                    uses: noop
                    with: { v: "${{ item * item }}" }
                outputs: { v: "${{ steps.square.output.v }}" }
              total:
                needs: [each]
                steps:
                  - id: sum
                    uses: noop
                    with: { total: "${{ tasks.each.outputs.map(o => o.v).reduce((a, b) => a + b, 0) }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var each = snapshot.Task("each");
        Assert.Equal([0, 1, 2, 3, 4], each.Instances!.Select(i => i.Index));
        Assert.All(each.Instances!, i => Assert.Equal(WorkStatus.Succeeded, i.Steps.Single().Status));
        Assert.Equal(55, snapshot.Task("total").Step("sum").Output()!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_InlineLogOfASecret_IsMaskedInEventsAndSnapshot()
    {
        var (snapshot, events) = await fixture.RunWatchedAsync($$$"""
            name: runs-inline-secret
            tasks:
              only:
                steps:
                  - id: say
                    uses: log
                    with: { message: "token ${{ secrets.{{{WorkflowClusterFixture.SecretName}}} }}" }
                  - id: keep
                    uses: noop
                    with: { token: "${{ secrets.{{{WorkflowClusterFixture.SecretName}}} }}" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.DoesNotContain(WorkflowClusterFixture.SecretValue, snapshot.Show(), StringComparison.Ordinal);
        Assert.Equal("token ***", events.Single(e => e.Kind == RunEventKind.StepLog).Message);
        Assert.Equal("***", snapshot.Task("only").Step("keep").Output()!["token"]!.GetValue<string>());
        Assert.All(events, e => Assert.DoesNotContain(WorkflowClusterFixture.SecretValue, e.Message ?? string.Empty, StringComparison.Ordinal));
    }
}
