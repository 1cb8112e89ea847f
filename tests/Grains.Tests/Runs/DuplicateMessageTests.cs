using Orleans.Workflow.Client;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>
/// Every receiver is idempotent: a StartTask, ExecuteStep, StepEnded or TaskEnded sent twice (on purpose, through
/// the grain interfaces) is applied once. Shell steps append a line to a file, so a step that ran twice shows.
/// </summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class DuplicateMessageTests(WorkflowClusterFixture fixture)
{
    private const string WaitForGo = """i=0; while [ ! -f "$DIR/go" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done""";

    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task TaskAndStep_DuplicateCommandsAndReportsWhileRunningAndAfterTheEnd_EachStepRunsOnce()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync($$$"""
            name: runs-dup-task-step
            params: { dir: string }
            tasks:
              first:
                steps:
                  - id: s1
                    uses: shell
                    with: { run: 'echo s1 >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
                  - id: s2
                    uses: shell
                    with: { run: 'echo s2 >> "$DIR/log"; {{{WaitForGo}}}', env: { DIR: "${{ params.dir }}" } }
                  - id: s3
                    uses: shell
                    with: { run: 'echo s3 >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              second:
                needs: [first]
                steps:
                  - id: only
                    uses: shell
                    with: { run: 'echo second >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """);
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        var running = await fixture.StepReachesAsync(runId, "first", "s2", WorkStatus.Running);
        await Eventually.HoldsAsync(() => dir.Lines("log").Contains("s2"), "s2 is running its script");

        var task = Grains.GetGrain<ITaskGrain>(GrainKeys.Task(runId, "first"));
        var startTask = new StartTask(runId, name, running.Version, "first", "{}");
        await Task.WhenAll(task.StartAsync(startTask), task.StartAsync(startTask));
        var s1 = Grains.GetGrain<IStepGrain>(GrainKeys.Step(runId, "first", -1, "s1"));
        var s2 = Grains.GetGrain<IStepGrain>(GrainKeys.Step(runId, "first", -1, "s2"));
        var s3 = Grains.GetGrain<IStepGrain>(GrainKeys.Step(runId, "first", -1, "s3"));
        await Task.WhenAll(s1.ExecuteAsync(Execute(runId, name, running.Version, "s1")), s1.ExecuteAsync(Execute(runId, name, running.Version, "s1")));
        await Task.WhenAll(s2.ExecuteAsync(Execute(runId, name, running.Version, "s2")), s2.ExecuteAsync(Execute(runId, name, running.Version, "s2")));
        var s1Ended = await s1.GetOutcomeAsync();
        Assert.NotNull(s1Ended);
        Assert.Null(await s2.GetOutcomeAsync());
        await task.StepEndedAsync(s1Ended);
        await task.StepEndedAsync(s1Ended);
        await task.StepEndedAsync(s1Ended with { Status = WorkStatus.Failed, Error = "forged" });
        await task.StartAsync(startTask); // a two-way call after the one-way reports: they have been handled

        var mid = await fixture.Client.GetSnapshotAsync(runId);
        var first = mid.Task("first");
        Assert.True(first.Status == WorkStatus.Running, mid.Show());
        Assert.Equal(WorkStatus.Succeeded, first.Step("s1").Status);
        Assert.Equal(WorkStatus.Running, first.Step("s2").Status);
        Assert.Equal(1, first.Step("s2").Attempts);
        Assert.Equal(0, first.Step("s3").Attempts);
        Assert.Equal(WorkStatus.Pending, mid.Task("second").Status);
        Assert.Equal(["s1", "s2"], dir.Lines("log"));

        dir.Touch("go");
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(["s1", "s2", "s3", "second"], dir.Lines("log"));

        // After the end: every command and report again, some forged as failures.
        await task.StartAsync(startTask);
        await s3.ExecuteAsync(Execute(runId, name, running.Version, "s3"));
        var s3Ended = (await s3.GetOutcomeAsync())!;
        await task.StepEndedAsync(s3Ended);
        await task.StepEndedAsync(s3Ended with { Status = WorkStatus.Failed });
        var run = Grains.GetGrain<IRunGrain>(runId);
        var firstEnded = (await task.GetOutcomeAsync())!;
        await run.TaskEndedAsync(firstEnded);
        await run.TaskEndedAsync(firstEnded with { Status = WorkStatus.Failed, Error = "forged" });
        await task.StartAsync(startTask);
        await run.StartAsync(new StartRunRequest(name, null, "{}", TriggerInfo.Manual)); // two-way: the run handled the reports

        var after = await fixture.Client.GetSnapshotAsync(runId);
        Assert.True(after.Status == WorkStatus.Succeeded, after.Show());
        Assert.Equal(WorkStatus.Succeeded, after.Task("first").Status);
        Assert.Equal(WorkStatus.Succeeded, after.Task("second").Status);
        Assert.All(after.Task("first").Steps, s => Assert.Equal(1, s.Attempts));
        Assert.Equal(["s1", "s2", "s3", "second"], dir.Lines("log"));
    }

    [Fact]
    public async Task Run_DuplicateTaskEndedWhileRunning_DependentsStartOnce()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync($$$"""
            name: runs-dup-task-ended
            params: { dir: string }
            tasks:
              a:
                steps:
                  - uses: shell
                    with: { run: 'echo a >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              b:
                needs: [a]
                steps:
                  - id: waits
                    uses: shell
                    with: { run: 'echo b >> "$DIR/log"; {{{WaitForGo}}}', env: { DIR: "${{ params.dir }}" } }
              c:
                needs: [a]
                steps:
                  - uses: shell
                    with: { run: 'echo c >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
              d:
                needs: [a]
                trigger_rule: one_failed
                steps:
                  - uses: shell
                    with: { run: 'echo d >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """);
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        await fixture.StepReachesAsync(runId, "b", "waits", WorkStatus.Running);
        await fixture.SnapshotWhenAsync(runId, s => s.Task("c").Status == WorkStatus.Succeeded, "c succeeded");

        var run = Grains.GetGrain<IRunGrain>(runId);
        var aEnded = (await Grains.GetGrain<ITaskGrain>(GrainKeys.Task(runId, "a")).GetOutcomeAsync())!;
        var cEnded = (await Grains.GetGrain<ITaskGrain>(GrainKeys.Task(runId, "c")).GetOutcomeAsync())!;
        await run.TaskEndedAsync(aEnded);
        await run.TaskEndedAsync(aEnded);
        await run.TaskEndedAsync(aEnded with { Status = WorkStatus.Failed, Error = "forged" });
        await run.TaskEndedAsync(cEnded);
        await run.TaskEndedAsync(cEnded with { Status = WorkStatus.Failed, Error = "forged" });
        await run.StartAsync(new StartRunRequest(name, null, "{}", TriggerInfo.Manual)); // two-way: the run handled the reports

        var mid = await fixture.Client.GetSnapshotAsync(runId);
        Assert.True(mid.Status == WorkStatus.Running, mid.Show());
        Assert.Equal(WorkStatus.Succeeded, mid.Task("a").Status);
        Assert.Equal(WorkStatus.Running, mid.Task("b").Status);
        Assert.Equal(WorkStatus.Succeeded, mid.Task("c").Status);
        Assert.Equal(WorkStatus.Skipped, mid.Task("d").Status);

        dir.Touch("go");
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(["a", "b", "c"], dir.Lines("log").Order());
    }

    [Fact]
    public async Task Foreach_DuplicateStepEndedOfAnEndedInstance_DoesNotExceedMaxParallel()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync("""
            name: runs-dup-foreach
            params: { dir: string }
            tasks:
              each:
                foreach: "${{ [0, 1, 2] }}"
                max_parallel: 1
                steps:
                  - id: work
                    uses: shell
                    with:
                      env: { DIR: "${{ params.dir }}", I: "${{ index }}" }
                      run: |
                        echo "start $I" >> "$DIR/log"
                        [ "$I" = 0 ] || { i=0; while [ ! -f "$DIR/go" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done; }
            """);
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        await fixture.SnapshotWhenAsync(
            runId,
            s => s.Task("each").Instances is [{ Status: WorkStatus.Succeeded }, { Status: WorkStatus.Running }, ..],
            "instance 0 ended and instance 1 runs");
        await Eventually.HoldsAsync(() => dir.Lines("log").Contains("start 1"), "instance 1 runs its script");

        var task = Grains.GetGrain<ITaskGrain>(GrainKeys.Task(runId, "each"));
        var zeroEnded = (await Grains.GetGrain<IStepGrain>(GrainKeys.Step(runId, "each", 0, "work")).GetOutcomeAsync())!;
        await task.StepEndedAsync(zeroEnded);
        await task.StepEndedAsync(zeroEnded);
        await task.StartAsync(new StartTask(runId, name, (await fixture.Client.GetSnapshotAsync(runId)).Version, "each", "{}")); // two-way barrier (ignored: already started)

        var mid = await fixture.Client.GetSnapshotAsync(runId);
        Assert.Equal([WorkStatus.Succeeded, WorkStatus.Running, WorkStatus.Pending], mid.Task("each").Instances!.Select(i => i.Status));
        Assert.Equal(["start 0", "start 1"], dir.Lines("log"));

        dir.Touch("go");
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(["start 0", "start 1", "start 2"], dir.Lines("log"));
    }

    [Fact]
    public async Task Task_StartedDirectlyTwiceAtOnce_RunsItsStepsOnce()
    {
        // A task grain driven without a run grain: its report goes to a run that does not exist and is dropped.
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync("""
            name: runs-dup-direct-task
            tasks:
              only:
                steps:
                  - uses: shell
                    with: { run: 'echo once >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            params: { dir: string }
            """);
        var version = (await Grains.GetGrain<Playbooks.IPlaybookGrain>(name).GetSourceAsync(null))!.Version;
        var runId = WorkflowClient.NewRunId();
        var scope = new System.Text.Json.Nodes.JsonObject
        {
            ["params"] = RunKit.Params(("dir", dir.Path)),
            ["run"] = new System.Text.Json.Nodes.JsonObject { ["id"] = runId },
            ["tasks"] = new System.Text.Json.Nodes.JsonObject(),
        }.ToJsonString();
        var command = new StartTask(runId, name, version, "only", scope);
        var task = Grains.GetGrain<ITaskGrain>(GrainKeys.Task(runId, "only"));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => task.StartAsync(command)));
        await Eventually.HoldsAsync(async () => await task.GetOutcomeAsync() is not null, "the task ended");
        await task.StartAsync(command);

        var outcome = (await task.GetOutcomeAsync())!;
        Assert.Equal(WorkStatus.Succeeded, outcome.Status);
        Assert.Equal(["once"], dir.Lines("log"));
        Assert.Equal(1, (await task.GetSnapshotAsync()).Steps.Single().Attempts);
    }

    [Fact]
    public async Task Step_ResentCommandWithNoRecord_CountsTheLostAttemptAndRunsAgainWithoutUsingTheRetryBudget()
    {
        using var dir = new TempDir();
        const string Yaml = """
            name: runs-dup-resent
            params: { dir: string }
            tasks:
              first:
                steps:
                  - id: once
                    uses: shell
                    with: { run: 'echo ran >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
            """;
        var version = await fixture.Client.RegisterPlaybookAsync("runs-dup-resent", Yaml, "test.yaml");
        var runId = "resent-" + Guid.NewGuid().ToString("N");
        var step = Grains.GetGrain<IStepGrain>(GrainKeys.Step(runId, "first", -1, "once"));
        var scope = new System.Text.Json.Nodes.JsonObject { ["params"] = new System.Text.Json.Nodes.JsonObject { ["dir"] = dir.Path } }.ToJsonString();

        // As a task re-sends after its step's silo died mid-attempt: this grain has no record of the step.
        await step.ExecuteAsync(new ExecuteStep(runId, "runs-dup-resent", version, "first", -1, "once", scope, null, Resent: true));
        StepEnded? ended = null;
        await Eventually.HoldsAsync(async () => (ended = await step.GetOutcomeAsync()) is not null, "the step ends");

        Assert.Equal(WorkStatus.Succeeded, ended!.Status);
        Assert.Equal(2, ended.Attempts); // the lost attempt, then this one (the default policy has 1 attempt)
        Assert.Equal(["ran"], dir.Lines("log"));
    }

    private static ExecuteStep Execute(string runId, string playbook, string version, string step) =>
        new(runId, playbook, version, "first", -1, step, "{}", null);
}
