using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Re-run from failure: same run id, next attempt; succeeded tasks keep their outputs, the rest run again.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class RetryRunTests(WorkflowClusterFixture fixture)
{
    private static string Yaml(string name, string fix = "") => $$$"""
        name: {{{name}}}
        params: { dir: string, label: { type: string, default: one } }
        tasks:
          extract:
            steps:
              - id: pull
                uses: shell
                with: { run: 'echo extract >> "$DIR/log"; echo "rows=10"', env: { DIR: "${{ params.dir }}" } }
            outputs: { rows: 10 }
          load:
            needs: [extract]
            steps:
              - id: push
                uses: shell
                with:
                  run: '{{{fix}}}[ -e "$DIR/fixed" ] || exit 3; echo "load $LABEL" >> "$DIR/log"'
                  env: { DIR: "${{ params.dir }}", LABEL: "${{ params.label }}" }
          report:
            needs: [load]
            steps:
              - id: say
                uses: shell
                with: { run: 'echo "report ${{ tasks.extract.outputs.rows }} ${{ run.attempt }}" >> "$DIR/log"', env: { DIR: "${{ params.dir }}" } }
        """;

    [Fact]
    public async Task Retry_AFailedRun_RunsOnlyWhatDidNotSucceedAsTheNextAttempt()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("runs-retry-basic"));
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        var first = await fixture.EndOfAsync(runId);
        Assert.True(first.Status == WorkStatus.Failed, first.Show());
        Assert.Equal(WorkStatus.Skipped, first.Task("report").Status);

        var refused = await fixture.Client.RetryAsync(runId, new RetryRun(ParamsJson: """{"lable": "two"}"""));
        Assert.False(refused.Started); // a bad param: says which
        Assert.Contains("lable", refused.Message, StringComparison.Ordinal);
        dir.Touch("fixed");
        var retry = await fixture.Client.RetryAsync(runId, new RetryRun(ParamsJson: """{"label": "two"}"""));
        Assert.True(retry.Started, retry.Message);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal($"run {runId} attempt 2 started: 2 task(s) that did not succeed run again", retry.Message);

        var second = await fixture.Client.WaitForEndAsync(runId);
        Assert.True(second.Status == WorkStatus.Succeeded, second.Show());
        Assert.Equal(2, second.Attempt);
        Assert.Equal(["extract", "load two", "report 10 2"], dir.Lines("log")); // extract did not run again
        Assert.Equal(10, second.Task("extract").Outputs()!["rows"]!.GetValue<int>());
        Assert.Equal(1, second.Task("load").Step("push").Attempts);

        var again = await fixture.Client.RetryAsync(runId);
        Assert.False(again.Started);
        Assert.Equal($"run {runId} already succeeded; there is nothing to retry (name a task to run it and its downstream again)", again.Message);
    }

    [Fact]
    public async Task Retry_OneTask_RunsItAndItsDownstreamAgainEvenAfterASuccess()
    {
        using var dir = new TempDir();
        dir.Touch("fixed");
        var name = await fixture.RegisterAsync(Yaml("runs-retry-task"));
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(runId)).Status);

        Assert.False((await fixture.Client.RetryAsync(runId, new RetryRun(Task: "nope"))).Started);
        var retry = await fixture.Client.RetryAsync(runId, new RetryRun(Task: "load"));
        Assert.True(retry.Started, retry.Message);
        var end = await fixture.Client.WaitForEndAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Equal(["extract", "load one", "report 10 1", "load one", "report 10 2"], dir.Lines("log"));
    }

    [Fact]
    public async Task Retry_WhileRunning_IsRefusedWithAReason()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync("""
            name: runs-retry-running
            params: { dir: string }
            tasks:
              hold:
                steps:
                  - { id: gate, uses: wait, with: { signal: go } }
            """);
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        await fixture.StepReachesAsync(runId, "hold", "gate", WorkStatus.Running);
        var refused = await fixture.Client.RetryAsync(runId);
        Assert.False(refused.Started);
        Assert.Equal($"run {runId} is running; only a run that has ended can be retried (cancel it first)", refused.Message);
        await fixture.Client.SignalAsync(runId, "go", "{}");
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(runId)).Status);
    }

    [Fact]
    public async Task Retry_KeepsThePinnedVersionUnlessAskedForTheLatest()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Yaml("runs-retry-version"));
        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)));
        var first = await fixture.EndOfAsync(runId);
        Assert.Equal(WorkStatus.Failed, first.Status);

        // A new version that fixes the failing step: the retry still runs the pinned one unless asked.
        await fixture.RegisterAsync(Yaml("runs-retry-version", fix: "touch \"$DIR/fixed\"; "));
        Assert.True((await fixture.Client.RetryAsync(runId)).Started);
        var pinned = await fixture.Client.WaitForEndAsync(runId);
        Assert.Equal(WorkStatus.Failed, pinned.Status);
        Assert.Equal(first.Version, pinned.Version);

        var latest = await fixture.Client.RetryAsync(runId, new RetryRun(LatestVersion: true));
        Assert.True(latest.Started, latest.Message);
        var end = await fixture.Client.WaitForEndAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.NotEqual(first.Version, end.Version);
        Assert.Equal(3, end.Attempt);
    }
}
