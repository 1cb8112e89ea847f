using System.Text.Json.Nodes;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary><c>on.events</c>: publishing a named event starts a run of every subscribed playbook, once per event id.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class EventTests(WorkflowClusterFixture fixture)
{
    // A playbook started by `event`: its step echoes how it was started, and the run's outputs carry the payload.
    private static string Subscriber(string name, string eventName, string extra = "") => $$$"""
        name: {{{name}}}
        on:
          events: [{{{eventName}}}]
        {{{extra}}}
        tasks:
          t:
            steps:
              - id: echo
                uses: noop
                with: { got: "${{ run.trigger.event }}", kind: "${{ run.trigger.kind }}", name: "${{ run.trigger.name }}", id: "${{ run.trigger.event_id }}", run: "${{ run.id }}" }
        outputs:
          got: "${{ tasks.t.outputs.got }}"
        """;

    [Fact]
    public async Task Publish_StartsEverySubscribedPlaybook_WithThePayloadInRunTriggerEvent()
    {
        var a = await fixture.RegisterAsync(Subscriber("trig-ev-both-a", "trig.both"));
        var b = await fixture.RegisterAsync(Subscriber("trig-ev-both-b", "trig.both"));
        Assert.Equal([a, b], await fixture.Client.ListEventSubscribersAsync("trig.both"));

        var payload = new JsonObject { ["country"] = "DE", ["rows"] = 3, ["tags"] = new JsonArray("x", "y") };
        var results = await fixture.Client.PublishEventAsync("trig.both", payload, "evt-1");

        Assert.Equal([a, b], results.Select(r => r.Playbook));
        foreach (var result in results)
        {
            Assert.True(result.Started, string.Join("; ", result.Errors));
            Assert.False(result.AlreadyExisted);
            Assert.Empty(result.Errors);
            Assert.Equal($"{result.Playbook}-ev-evt-1", result.RunId);

            var end = await fixture.EndOfAsync(result.RunId);
            Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
            Assert.Equal(result.Playbook, end.Playbook);
            var echo = end.StepOutput("t", "echo");
            Assert.True(JsonNode.DeepEquals(payload, echo["got"]), echo.ToJsonString());
            Assert.Equal("event", (string?)echo["kind"]);
            Assert.Equal("trig.both", (string?)echo["name"]);
            Assert.Equal("evt-1", (string?)echo["id"]);
            Assert.Equal(result.RunId, (string?)echo["run"]);
            Assert.True(JsonNode.DeepEquals(payload, end.Outputs()?["got"]), end.OutputsJson);
        }
    }

    [Fact]
    public async Task Publish_AScalarPayloadOrNone_IsWhatRunTriggerEventHolds()
    {
        var name = await fixture.RegisterAsync(Subscriber("trig-ev-scalar", "trig.scalar"));

        var text = Assert.Single(await fixture.Client.PublishEventAsync("trig.scalar", JsonValue.Create("hello"), "s-1"));
        var none = Assert.Single(await fixture.Client.PublishEventAsync("trig.scalar", null, "s-2"));

        Assert.Equal($"{name}-ev-s-1", text.RunId);
        Assert.Equal("hello", (string?)(await fixture.EndOfAsync(text.RunId)).StepOutput("t", "echo")["got"]);
        var end = await fixture.EndOfAsync(none.RunId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        Assert.Null(end.StepOutput("t", "echo")["got"]);
    }

    [Fact]
    public async Task Publish_AgainWithTheSameEventId_StartsNothingNew()
    {
        var a = await fixture.RegisterAsync(Subscriber("trig-ev-again-a", "trig.again"));
        var b = await fixture.RegisterAsync(Subscriber("trig-ev-again-b", "trig.again"));

        var first = await fixture.Client.PublishEventAsync("trig.again", new JsonObject { ["n"] = 1 }, "dup-7");
        foreach (var result in first)
        {
            Assert.True((await fixture.EndOfAsync(result.RunId)).Status == WorkStatus.Succeeded);
        }

        // The second payload differs: the runs of the first one stand, unchanged.
        var second = await fixture.Client.PublishEventAsync("trig.again", new JsonObject { ["n"] = 2 }, "dup-7");

        Assert.Equal(first.Select(r => r.RunId), second.Select(r => r.RunId));
        Assert.Equal([$"{a}-ev-dup-7", $"{b}-ev-dup-7"], second.Select(r => r.RunId));
        Assert.All(second, r =>
        {
            Assert.False(r.Started);
            Assert.True(r.AlreadyExisted);
            Assert.Empty(r.Errors);
        });
        foreach (var result in second)
        {
            var snapshot = await fixture.Client.GetSnapshotAsync(result.RunId);
            Assert.Equal(1, snapshot.Attempt);
            Assert.Equal(1, (int?)snapshot.StepOutput("t", "echo")["got"]?["n"]);
        }

        // A new id is a new event.
        var third = await fixture.Client.PublishEventAsync("trig.again", new JsonObject { ["n"] = 3 }, "dup-8");
        Assert.All(third, r => Assert.True(r.Started));
        Assert.Equal([$"{a}-ev-dup-8", $"{b}-ev-dup-8"], third.Select(r => r.RunId));
        foreach (var result in third)
        {
            Assert.Equal(3, (int?)(await fixture.EndOfAsync(result.RunId)).StepOutput("t", "echo")["got"]?["n"]);
        }
    }

    [Fact]
    public async Task Publish_WithoutAnId_StartsANewRunEachTime()
    {
        var name = await fixture.RegisterAsync(Subscriber("trig-ev-noid", "trig.noid"));

        var first = Assert.Single(await fixture.Client.PublishEventAsync("trig.noid", new JsonObject { ["n"] = 1 }));
        var second = Assert.Single(await fixture.Client.PublishEventAsync("trig.noid", new JsonObject { ["n"] = 1 }));

        Assert.True(first.Started);
        Assert.True(second.Started);
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.StartsWith($"{name}-ev-", first.RunId, StringComparison.Ordinal);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(first.RunId)).Status);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(second.RunId)).Status);
    }

    [Fact]
    public async Task Publish_AnEventNobodySubscribesTo_AnswersAnEmptyList()
    {
        Assert.Empty(await fixture.Client.ListEventSubscribersAsync("trig.nobody.listens"));
        Assert.Empty(await fixture.Client.PublishEventAsync("trig.nobody.listens", new JsonObject { ["n"] = 1 }, "lonely-1"));
    }

    [Fact]
    public async Task Publish_WithAnInvalidEventId_IsRejectedByTheClient()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.PublishEventAsync("trig.bad.id", null, "no spaces allowed"));
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.PublishEventAsync("trig.bad.id", null, new string('x', 101)));
    }

    [Fact]
    public async Task Publish_ToADisabledPlaybook_StartsNoRunOfItAndSaysWhy()
    {
        var on = await fixture.RegisterAsync(Subscriber("trig-ev-dis-on", "trig.dis"));
        var off = await fixture.RegisterAsync(Subscriber("trig-ev-dis-off", "trig.dis"));
        Assert.Equal(ControlOutcome.Applied, (await fixture.Client.SetPlaybookEnabledAsync(off, false, "maintenance")).Outcome);

        var results = await fixture.Client.PublishEventAsync("trig.dis", new JsonObject { ["n"] = 1 }, "d-1");

        Assert.Equal([off, on], results.Select(r => r.Playbook));
        var refused = results.Single(r => r.Playbook == off);
        Assert.False(refused.Started);
        Assert.False(refused.AlreadyExisted);
        Assert.Contains(refused.Errors, e => e.Contains("disabled", StringComparison.Ordinal));
        Assert.Null(await fixture.StatusAsync(refused.RunId));

        var started = results.Single(r => r.Playbook == on);
        Assert.True(started.Started);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(started.RunId)).Status);

        // Enabled again, the same event id starts it (nothing of it had started) and finds the other's run.
        Assert.Equal(ControlOutcome.Applied, (await fixture.Client.SetPlaybookEnabledAsync(off, true)).Outcome);
        var again = await fixture.Client.PublishEventAsync("trig.dis", new JsonObject { ["n"] = 2 }, "d-1");
        Assert.True(again.Single(r => r.Playbook == off).Started);
        Assert.True(again.Single(r => r.Playbook == on).AlreadyExisted);
        var end = await fixture.EndOfAsync($"{off}-ev-d-1");
        Assert.Equal(2, (int?)end.StepOutput("t", "echo")["got"]?["n"]);
    }

    [Fact]
    public async Task Register_AVersionWithoutTheEvent_Unsubscribes()
    {
        var name = await fixture.RegisterAsync(Subscriber("trig-ev-unsub", "trig.unsub.old"));
        Assert.Equal([name], await fixture.Client.ListEventSubscribersAsync("trig.unsub.old"));

        // The new version listens to another event instead.
        await fixture.RegisterAsync(Subscriber("trig-ev-unsub", "trig.unsub.new", "description: second version"));

        Assert.Empty(await fixture.Client.ListEventSubscribersAsync("trig.unsub.old"));
        Assert.Empty(await fixture.Client.PublishEventAsync("trig.unsub.old", null, "u-1"));
        Assert.Null(await fixture.StatusAsync($"{name}-ev-u-1"));
        Assert.Equal([name], await fixture.Client.ListEventSubscribersAsync("trig.unsub.new"));
        var started = Assert.Single(await fixture.Client.PublishEventAsync("trig.unsub.new", null, "u-2"));
        Assert.True(started.Started);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(started.RunId)).Status);

        // A version with no `on:` at all leaves no subscription behind.
        await fixture.RegisterAsync($$$"""
            name: {{{name}}}
            tasks:
              t:
                steps:
                  - uses: noop
            """);
        Assert.Empty(await fixture.Client.ListEventSubscribersAsync("trig.unsub.new"));
        Assert.Empty(await fixture.Client.PublishEventAsync("trig.unsub.new", null, "u-3"));
    }

    [Fact]
    public async Task Publish_AnObjectPayload_SuppliesParamValues()
    {
        // An object payload's keys that are param names supply those params (coerced like any given value); other keys are only in run.trigger.event.
        var name = await fixture.RegisterAsync($$$"""
            name: trig-ev-params
            params:
              country: { type: string, default: none }
              rows: { type: int, default: 0 }
            on:
              events: [trig.params]
            tasks:
              t:
                steps:
                  - id: echo
                    uses: noop
                    with: { country: "${{ params.country }}", rows: "${{ params.rows }}", event: "${{ run.trigger.event }}" }
            """);

        var result = Assert.Single(await fixture.Client.PublishEventAsync("trig.params", new JsonObject { ["country"] = "FR", ["rows"] = "12", ["extra"] = true }, "p-1"));

        var end = await fixture.EndOfAsync(result.RunId);
        Assert.Equal(name, end.Playbook);
        var echo = end.StepOutput("t", "echo");
        Assert.Equal("FR", (string?)echo["country"]);
        Assert.Equal(12, (int?)echo["rows"]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["country"] = "FR", ["rows"] = "12", ["extra"] = true }, echo["event"]), echo.ToJsonString());

        // A payload that is not an object supplies nothing: the defaults hold.
        var scalar = Assert.Single(await fixture.Client.PublishEventAsync("trig.params", JsonValue.Create(5), "p-2"));
        var plain = (await fixture.EndOfAsync(scalar.RunId)).StepOutput("t", "echo");
        Assert.Equal("none", (string?)plain["country"]);
        Assert.Equal(0, (int?)plain["rows"]);

        // A value that does not fit its param refuses the run, saying which param.
        var refused = Assert.Single(await fixture.Client.PublishEventAsync("trig.params", new JsonObject { ["rows"] = "many" }, "p-3"));
        Assert.False(refused.Started);
        Assert.False(refused.AlreadyExisted);
        Assert.Contains(refused.Errors, e => e.Contains("rows", StringComparison.Ordinal));
        Assert.Null(await fixture.StatusAsync(refused.RunId));
    }
}
