using System.Text.Json.Nodes;
using Orleans.Workflow.Client;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Starting a run: idempotent by run id, params checked before anything runs, unknown playbooks refused.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class StartTests(WorkflowClusterFixture fixture)
{
    private const string Appender = """
        name: runs-start-appender
        params: { dir: string, tag: { type: string, default: first } }
        tasks:
          only:
            steps:
              - uses: shell
                with: { run: 'echo "$TAG" >> "$DIR/log"', env: { DIR: "${{ params.dir }}", TAG: "${{ params.tag }}" } }
        """;

    [Fact]
    public async Task StartRun_SameRunIdTwice_OneRun()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Appender);
        var runId = WorkflowClient.NewRunId();
        var options = new StartRunOptions { RunId = runId };

        var first = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path)), options);
        await fixture.EndOfAsync(first);
        var second = await fixture.Client.StartRunAsync(name, RunKit.Params(("dir", dir.Path), ("tag", "second")), options);
        var snapshot = await fixture.EndOfAsync(second);

        Assert.Equal(runId, first);
        Assert.Equal(runId, second);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        Assert.Equal(["first"], dir.Lines("log"));
        Assert.Equal("first", JsonNode.Parse(snapshot.ParamsJson!)!["tag"]!.GetValue<string>());
        var again = await fixture.Cluster.Client.GetGrain<IRunGrain>(runId).StartAsync(new StartRunRequest(name, null, "{}", TriggerInfo.Manual));
        Assert.False(again.Started);
        Assert.True(again.AlreadyExisted);
    }

    [Fact]
    public async Task StartRun_ConcurrentStartsWithTheSameRunId_OneRun()
    {
        using var dir = new TempDir();
        var name = await fixture.RegisterAsync(Appender);
        var runId = WorkflowClient.NewRunId();

        var starts = Enumerable.Range(0, 8).Select(i => fixture.Cluster.Client.GetGrain<IRunGrain>(runId).StartAsync(new StartRunRequest(
            name, null, RunKit.Params(("dir", dir.Path), ("tag", $"start-{i}")).ToJsonString(), TriggerInfo.Manual)));
        var results = await Task.WhenAll(starts);
        var snapshot = await fixture.EndOfAsync(runId);

        Assert.Single(results, r => r.Started);
        Assert.Equal(7, results.Count(r => r.AlreadyExisted));
        Assert.All(results, r => Assert.Equal(runId, r.RunId));
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        Assert.Single(dir.Lines("log"));
        Assert.Equal(1, snapshot.Task("only").Steps[0].Attempts);
    }

    [Fact]
    public async Task StartRun_ParamOfTheWrongType_RunNotStartedNamingTheParam()
    {
        var name = await fixture.RegisterAsync("""
            name: runs-start-bad-params
            params:
              count: int
              mode: { type: choice, options: [fast, slow], default: fast }
            tasks:
              only:
                steps: [{ uses: noop, with: { n: "${{ params.count }}" } }]
            """);
        var runId = WorkflowClient.NewRunId();

        var error = await Assert.ThrowsAsync<RunNotStartedException>(() =>
            fixture.Client.StartRunAsync(name, RunKit.Params(("count", "three"), ("mode", "medium")), new StartRunOptions { RunId = runId }));

        Assert.Contains(error.Errors, e => e.Contains("'count'"));
        Assert.Contains(error.Errors, e => e.Contains("'mode'"));
        await Assert.ThrowsAsync<RunNotFoundException>(() => fixture.Client.GetSnapshotAsync(runId));
    }

    [Fact]
    public async Task StartRun_MissingRequiredAndUnknownParams_RunNotStartedNamingEach()
    {
        var name = await fixture.RegisterAsync("""
            name: runs-start-missing-params
            params:
              region: string
            tasks:
              only:
                steps: [{ uses: noop, with: { r: "${{ params.region }}" } }]
            """);

        var error = await Assert.ThrowsAsync<RunNotStartedException>(() => fixture.Client.StartRunAsync(name, RunKit.Params(("regoin", "eu"))));

        Assert.Contains(error.Errors, e => e.Contains("'region'") && e.Contains("required"));
        Assert.Contains(error.Errors, e => e.Contains("'regoin'"));
    }

    [Fact]
    public async Task StartRun_TextParams_AreCoercedToTheirTypes()
    {
        var name = await fixture.RegisterAsync("""
            name: runs-start-coerce
            params:
              count: int
              flag: bool
              items: list
            tasks:
              only:
                steps:
                  - uses: noop
                    with: { next: "${{ params.count + 1 }}", flag: "${{ params.flag === true }}", n: "${{ params.items.length }}" }
            """);

        var runId = await fixture.Client.StartRunAsync(name, RunKit.Params(("count", "41"), ("flag", "yes"), ("items", """["a","b"]""")));
        var snapshot = await fixture.EndOfAsync(runId);

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        Assert.Equal("""{"next":42,"flag":true,"n":2}""", snapshot.Task("only").Outputs()!.ToJsonString());
    }

    [Fact]
    public async Task StartRun_UnknownPlaybook_RunNotStartedNamingIt()
    {
        var error = await Assert.ThrowsAsync<RunNotStartedException>(() => fixture.Client.StartRunAsync("runs-start-no-such-playbook"));

        Assert.Contains("runs-start-no-such-playbook", error.Message);
        Assert.Contains("not registered", error.Message);
    }

    [Fact]
    public async Task StartRun_UnknownVersion_RunNotStartedNamingIt()
    {
        var name = await fixture.RegisterAsync(Appender);

        var error = await Assert.ThrowsAsync<RunNotStartedException>(() =>
            fixture.Client.StartRunAsync(name, null, new StartRunOptions { Version = "0000000000000000000000000000000000000000000000000000000000000000" }));

        Assert.Contains("has no version", error.Message);
    }

    [Fact]
    public async Task StartRun_InvalidRunId_RunNotStarted()
    {
        var name = await fixture.RegisterAsync(Appender);

        var error = await Assert.ThrowsAsync<RunNotStartedException>(() =>
            fixture.Client.StartRunAsync(name, null, new StartRunOptions { RunId = "no spaces/or slashes" }));

        Assert.Contains("run id", error.Message);
    }
}
