using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary><c>foreach</c>: one instance per item, at most <c>max_parallel</c> at once, outputs as a list in item order.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class ForeachTests(WorkflowClusterFixture fixture)
{
    [Fact]
    public async Task Run_ForeachWithMaxParallel_NeverMoreThanThatManyInstancesAtOnce()
    {
        using var dir = new TempDir();
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-max-parallel
            params: { dir: string }
            tasks:
              fan:
                foreach: "${{ [0, 1, 2, 3, 4, 5, 6] }}"
                max_parallel: 2
                steps:
                  - uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}", I: "${{ index }}" }
                      run: |
                        echo "$(date +%s%N) start $I" >> "$DIR/log"
                        sleep 0.3
                        echo "$(date +%s%N) end $I" >> "$DIR/log"
            """, RunKit.Params(("dir", dir.Path)));

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var lines = dir.Lines("log").Select(l => l.Split(' ')).ToList();
        Assert.Equal(14, lines.Count);
        var running = 0;
        var most = 0;
        foreach (var line in lines.OrderBy(l => RunKit.Nanos(l[0])).ThenBy(l => l[1] == "end" ? 0 : 1))
        {
            running += line[1] == "start" ? 1 : -1;
            most = Math.Max(most, running);
        }

        Assert.True(most <= 2, $"{most} instances ran at once:\n{string.Join("\n", dir.Lines("log"))}");
        Assert.Equal(2, most);
        Assert.All(snapshot.Task("fan").Instances!, i => Assert.Equal(WorkStatus.Succeeded, i.Status));
    }

    [Fact]
    public async Task Run_ForeachInstancesEndingInReverse_OutputsAreAListInItemOrder()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-output-order
            params:
              names: { type: list, default: [ada, grace, linus, barbara] }
            tasks:
              greet:
                foreach: "${{ params.names }}"
                steps:
                  - id: say
                    uses: shell
                    with:
                      env: { WHO: "${{ item }}", WAIT: "${{ (3 - index) * 0.2 }}" }
                      run: sleep "$WAIT"; echo "hello $WHO"
                outputs:
                  line: "${{ steps.say.output.stdout.trim() }}"
                  at: "${{ index }}"
              count:
                needs: [greet]
                steps:
                  - uses: noop
                    with: { n: "${{ tasks.greet.outputs.length }}" }
            outputs:
              lines: "${{ tasks.greet.outputs.map(o => o.line) }}"
              count: "${{ tasks.count.outputs.n }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var outputs = snapshot.Outputs()!;
        Assert.Equal(["hello ada", "hello grace", "hello linus", "hello barbara"], outputs["lines"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, outputs["count"]!.GetValue<int>());
        var instances = snapshot.Task("greet").Instances!;
        Assert.Equal([0, 1, 2, 3], instances.Select(i => i.Index));
        Assert.Equal("\"ada\"", instances[0].ItemJson);
        Assert.True(instances[0].Steps[0].EndedAt > instances[3].Steps[0].EndedAt, "the items should have ended in reverse order");
        Assert.Equal([0, 1, 2, 3], snapshot.Task("greet").Outputs()!.AsArray().Select(o => o!["at"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Run_ForeachOverEmptyList_TaskSucceedsWithEmptyOutputsAndDependentsRun()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-empty
            params:
              items: { type: list, default: [] }
            tasks:
              each:
                foreach: "${{ params.items }}"
                steps:
                  - uses: shell
                    with: { run: "exit 1" }
              after:
                needs: [each]
                steps:
                  - uses: noop
                    with: { n: "${{ tasks.each.outputs.length }}" }
            outputs:
              each: "${{ tasks.each.outputs }}"
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal(WorkStatus.Succeeded, snapshot.Task("each").Status);
        Assert.Empty(snapshot.Task("each").Instances!);
        Assert.Equal("[]", snapshot.Task("each").Outputs()!.ToJsonString());
        Assert.Equal(0, snapshot.Task("after").Outputs()!["n"]!.GetValue<int>());
        Assert.Equal("[]", snapshot.Outputs()!["each"]!.ToJsonString());
    }

    [Fact]
    public async Task Run_ForeachWithOneFailedInstance_SiblingsRunAndFailedOneGivesNull()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-one-fails
            tasks:
              each:
                foreach: "${{ ['a', 'b', 'c'] }}"
                max_parallel: 1
                steps:
                  - uses: shell
                    with: { run: '[ "$X" != a ] || exit 1; echo "$X"', env: { X: "${{ item }}" } }
                outputs: { x: "${{ item }}" }
              after:
                needs: [each]
                trigger_rule: all_done
                steps:
                  - uses: noop
                    with: { outputs: "${{ tasks.each.outputs }}", status: "${{ tasks.each.status }}" }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var each = snapshot.Task("each");
        Assert.Equal(WorkStatus.Failed, each.Status);
        Assert.Equal([WorkStatus.Failed, WorkStatus.Succeeded, WorkStatus.Succeeded], each.Instances!.Select(i => i.Status));
        var after = snapshot.Task("after").Outputs()!;
        Assert.Equal("failed", after["status"]!.GetValue<string>());
        Assert.Null(after["outputs"]); // a task that did not succeed has null outputs
    }

    [Fact]
    public async Task Run_ForeachWhoseOnlyFailuresAreTimeouts_TaskTimedOut()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-timed-out
            tasks:
              each:
                foreach: "${{ [0.01, 30] }}"
                steps:
                  - uses: shell
                    timeout: 300ms
                    with: { run: sleep "$S", env: { S: "${{ item }}" } }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        var each = snapshot.Task("each");
        Assert.Equal(WorkStatus.TimedOut, each.Status);
        Assert.Equal([WorkStatus.Succeeded, WorkStatus.TimedOut], each.Instances!.Select(i => i.Status));
    }

    [Fact]
    public async Task Run_TaskTimeoutOnForeach_BoundsEachInstanceSeparately()
    {
        // Three instances one at a time take about 2.4 s together, each well under the task's 2 s.
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-task-timeout
            tasks:
              each:
                foreach: "${{ [1, 2, 3] }}"
                max_parallel: 1
                timeout: 2s
                steps:
                  - uses: shell
                    with: { run: "sleep 0.8" }
            """);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
    }

    [Fact]
    public async Task Run_ForeachNotAList_FailsTheTask()
    {
        var snapshot = await fixture.RunAsync("""
            name: runs-foreach-not-a-list
            params: { n: { type: int, default: 3 } }
            tasks:
              each:
                foreach: "${{ params.n }}"
                steps:
                  - uses: noop
                    with: { v: "${{ item }}" }
            """);

        Assert.Equal(WorkStatus.Failed, snapshot.Status);
        Assert.Equal(WorkStatus.Failed, snapshot.Task("each").Status);
        Assert.Contains("list", snapshot.Task("each").Error);
    }
}
