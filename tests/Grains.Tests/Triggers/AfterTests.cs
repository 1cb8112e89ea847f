using System.Text.Json.Nodes;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary><c>on.after</c>: a run of another playbook that ends in a listed status starts <c>{follower}-after-{run}</c>.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class AfterTests(WorkflowClusterFixture fixture)
{
    private const string Upstream = "trig-af-a";
    private const string OnSuccess = "trig-af-b";
    private const string OnFailure = "trig-af-c";

    // The upstream: fails when asked to; its outputs are what a follower sees.
    private const string UpstreamYaml = """
        name: trig-af-a
        params: { fail: { type: bool, default: false } }
        tasks:
          work:
            steps:
              - id: maybe
                uses: shell
                with: { run: 'test "$FAIL" != true', env: { FAIL: "${{ params.fail }}" } }
        outputs:
          answer: 42
          by: "${{ run.id }}"
        """;

    private static string Follower(string name, string status) => $$$"""
        name: {{{name}}}
        on:
          after:
            - { playbook: trig-af-a, status: {{{status}}} }
        tasks:
          t:
            steps:
              - id: echo
                uses: noop
                with: { event: "${{ run.trigger.event }}", kind: "${{ run.trigger.kind }}", name: "${{ run.trigger.name }}", id: "${{ run.trigger.event_id }}" }
        """;

    private async Task RegisterAllAsync()
    {
        await fixture.RegisterAsync(UpstreamYaml);
        await fixture.RegisterAsync(Follower(OnSuccess, "succeeded"));
        await fixture.RegisterAsync(Follower(OnFailure, "failed"));
    }

    [Fact]
    public async Task ASucceededRun_StartsTheFollowerOfSuccess_WithItsOutputs_AndNotTheFollowerOfFailure()
    {
        await RegisterAllAsync();

        var upstream = await fixture.Client.StartRunAsync(Upstream);
        var upstreamEnd = await fixture.EndOfAsync(upstream);
        Assert.True(upstreamEnd.Status == WorkStatus.Succeeded, upstreamEnd.Show());

        var follower = $"{OnSuccess}-after-{upstream}";
        await fixture.AppearsAsync(follower);
        var end = await fixture.EndOfAsync(follower);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var echo = end.StepOutput("t", "echo");
        Assert.Equal("after", (string?)echo["kind"]);
        Assert.Equal(Upstream, (string?)echo["name"]);
        Assert.Equal(upstream, (string?)echo["id"]);
        var seen = echo["event"] as JsonObject ?? throw new InvalidOperationException(echo.ToJsonString());
        Assert.Equal(Upstream, (string?)seen["playbook"]);
        Assert.Equal(upstream, (string?)seen["run"]);
        Assert.Equal(1, (int?)seen["attempt"]);
        Assert.Equal("succeeded", (string?)seen["status"]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["answer"] = 42, ["by"] = upstream }, seen["outputs"]), seen.ToJsonString());

        // The message's subscribers were picked before the follower started: one not picked never starts from it.
        await fixture.TopicSettledAsync(Upstream);
        Assert.Null(await fixture.StatusAsync($"{OnFailure}-after-{upstream}"));
    }

    [Fact]
    public async Task AFailedRun_StartsTheFollowerOfFailure_AndNotTheFollowerOfSuccess()
    {
        await RegisterAllAsync();

        var upstream = await fixture.Client.StartRunAsync(Upstream, RunKit.Params(("fail", true)));
        var upstreamEnd = await fixture.EndOfAsync(upstream);
        Assert.True(upstreamEnd.Status == WorkStatus.Failed, upstreamEnd.Show());

        var follower = $"{OnFailure}-after-{upstream}";
        await fixture.AppearsAsync(follower);
        var end = await fixture.EndOfAsync(follower);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var seen = end.StepOutput("t", "echo")["event"] as JsonObject ?? throw new InvalidOperationException(end.Show());
        Assert.Equal("failed", (string?)seen["status"]);
        Assert.Equal(upstream, (string?)seen["run"]);
        Assert.Null(seen["outputs"]);

        await fixture.TopicSettledAsync(Upstream);
        Assert.Null(await fixture.StatusAsync($"{OnSuccess}-after-{upstream}"));
    }

    [Fact]
    public async Task ARetriedRun_AnnouncesEachAttempt_SoTheSuccessOfTheRetryStartsItsFollower()
    {
        await RegisterAllAsync();

        var upstream = await fixture.Client.StartRunAsync(Upstream, RunKit.Params(("fail", true)));
        Assert.Equal(WorkStatus.Failed, (await fixture.EndOfAsync(upstream)).Status);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await AppearsIdAsync($"{OnFailure}-after-{upstream}"))).Status);

        var retry = await fixture.Client.RetryAsync(upstream, new RetryRun(ParamsJson: """{"fail": false}"""));
        Assert.True(retry.Started, retry.Message);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(upstream)).Status);

        var follower = $"{OnSuccess}-after-{upstream}-a2";
        await fixture.AppearsAsync(follower);
        var end = await fixture.EndOfAsync(follower);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var seen = end.StepOutput("t", "echo")["event"] as JsonObject ?? throw new InvalidOperationException(end.Show());
        Assert.Equal($"{upstream}-a2", (string?)end.StepOutput("t", "echo")["id"]);
        Assert.Equal(upstream, (string?)seen["run"]);
        Assert.Equal(2, (int?)seen["attempt"]);
        Assert.Equal("succeeded", (string?)seen["status"]);
        await fixture.TopicSettledAsync(Upstream);
        Assert.Null(await fixture.StatusAsync($"{OnSuccess}-after-{upstream}"));
    }

    [Fact]
    public async Task AListOfStatusesOrAny_FollowsEachOfThem()
    {
        await fixture.RegisterAsync(UpstreamYaml);
        var any = await fixture.RegisterAsync(Follower("trig-af-any", "any"));
        var both = await fixture.RegisterAsync(Follower("trig-af-both", "[succeeded, failed]"));
        var cancelled = await fixture.RegisterAsync(Follower("trig-af-cancelled", "cancelled"));

        var ok = await fixture.Client.StartRunAsync(Upstream);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(ok)).Status);
        var bad = await fixture.Client.StartRunAsync(Upstream, RunKit.Params(("fail", true)));
        Assert.Equal(WorkStatus.Failed, (await fixture.EndOfAsync(bad)).Status);

        foreach (var follower in new[] { any, both })
        {
            Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await AppearsIdAsync($"{follower}-after-{ok}"))).Status);
            Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(await AppearsIdAsync($"{follower}-after-{bad}"))).Status);
        }

        await fixture.TopicSettledAsync(Upstream);
        Assert.Null(await fixture.StatusAsync($"{cancelled}-after-{ok}"));
        Assert.Null(await fixture.StatusAsync($"{cancelled}-after-{bad}"));
    }

    [Fact]
    public async Task ANewVersionWithoutAfter_StopsFollowing()
    {
        await RegisterAllAsync();
        var name = await fixture.RegisterAsync(Follower("trig-af-gone", "any"));
        await fixture.RegisterAsync($$$"""
            name: {{{name}}}
            tasks:
              t:
                steps:
                  - uses: noop
            """);

        var upstream = await fixture.Client.StartRunAsync(Upstream);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(upstream)).Status);
        await fixture.AppearsAsync($"{OnSuccess}-after-{upstream}");
        await fixture.TopicSettledAsync(Upstream);
        Assert.Null(await fixture.StatusAsync($"{name}-after-{upstream}"));
        Assert.DoesNotContain(name, await fixture.Cluster.Client.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.After(Upstream)).ListSubscribersAsync());
    }

    private async Task<string> AppearsIdAsync(string runId)
    {
        await fixture.AppearsAsync(runId);
        return runId;
    }
}
