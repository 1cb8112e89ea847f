using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Tests;

/// <summary><c>owf schedules</c>, <c>owf schedules trigger</c> and <c>owf events publish</c> against a real cluster (PostgreSQL and one silo).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TriggerCommandTests(ClusterFixture cluster) : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Schedules_ListShowsTheEntry_TriggerStartsATickRunNow()
    {
        var file = _files.Write("yearly.yaml", """
            name: cli-yearly
            on:
              schedule:
                - { cron: "0 3 1 1 *", timezone: Europe/Berlin, catchup: none, overlap: allow, params: { who: scheduler } }
            params: { who: { type: string, default: nobody } }
            tasks:
              only:
                steps:
                  - { id: say, uses: noop, with: { who: "${{ params.who }}", at: "${{ run.trigger.scheduled_at }}" } }
            """);
        var registered = await cluster.OwfAsync("playbooks", "register", file);
        Assert.True(registered.ExitCode == 0, registered.ToString());

        var listed = await cluster.OwfAsync("schedules", "--playbook", "cli-yearly", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var entry = JsonNode.Parse(listed.Stdout)!.AsArray().Single()!;
        Assert.Equal(("0 3 1 1 *", "Europe/Berlin", "none", "allow", true), ((string?)entry["cron"], (string?)entry["timezone"], (string?)entry["catchup"], (string?)entry["overlap"], (bool?)entry["enabled"]));
        var next = DateTimeOffset.Parse((string)entry["next_tick"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((1, 1, 2), (next.ToOffset(TimeSpan.FromHours(1)).Day, next.ToOffset(TimeSpan.FromHours(1)).Month, next.UtcDateTime.Hour));

        var table = await cluster.OwfAsync("schedules", "--playbook", "cli-yearly");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"(?m)^PLAYBOOK\s+#\s+CRON\s+TIMEZONE\s+NEXT\s+LAST\s+LAST RUN\s+FIRED\s+SKIPPED\s+ENABLED$", table.Stdout);

        var triggered = await cluster.OwfAsync("schedules", "trigger", "cli-yearly", "--json");
        Assert.True(triggered.ExitCode == 0, triggered.ToString());
        var runId = (string)JsonNode.Parse(triggered.Stdout)!["run"]!;
        Assert.StartsWith("cli-yearly-s0-", runId, StringComparison.Ordinal);
        var snapshot = await cluster.Client.WaitForEndAsync(runId);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        var output = JsonNode.Parse(snapshot.Tasks.Single().Steps.Single().OutputJson!)!;
        Assert.Equal("scheduler", (string?)output["who"]);
        Assert.NotNull((string?)output["at"]);

        var noSuch = await cluster.OwfAsync("schedules", "trigger", "cli-yearly", "--schedule", "3");
        Assert.True(noSuch.ExitCode == 4, noSuch.ToString());
        Assert.Contains("has no schedule 3 (it has 0)", noSuch.Stderr, StringComparison.Ordinal);
        var nobody = await cluster.OwfAsync("schedules", "--playbook", "cli-nobody");
        Assert.True(nobody.ExitCode == 4, nobody.ToString());
    }

    [Fact]
    public async Task EventsPublish_StartsListeners_IdempotentById_BadPayloadIsRefused()
    {
        var file = _files.Write("listener.yaml", """
            name: cli-listener
            on:
              events: [cli.thing-happened]
            tasks:
              only:
                steps:
                  - { id: got, uses: noop, with: { payload: "${{ run.trigger.event }}", kind: "${{ run.trigger.kind }}" } }
            """);
        var registered = await cluster.OwfAsync("playbooks", "register", file);
        Assert.True(registered.ExitCode == 0, registered.ToString());

        var published = await cluster.OwfAsync("events", "publish", "cli.thing-happened", """{"count": 3}""", "--id", "evt-1", "--json");
        Assert.True(published.ExitCode == 0, published.ToString());
        var started = JsonNode.Parse(published.Stdout)!.AsArray().Single()!;
        Assert.Equal(("cli-listener", "cli-listener-ev-evt-1", true), ((string?)started["playbook"], (string?)started["run"], (bool?)started["started"]));
        var snapshot = await cluster.Client.WaitForEndAsync("cli-listener-ev-evt-1");
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        var output = JsonNode.Parse(snapshot.Tasks.Single().Steps.Single().OutputJson!)!;
        Assert.Equal((3, "event"), ((int?)output["payload"]!["count"], (string?)output["kind"]));

        var again = await cluster.OwfAsync("events", "publish", "cli.thing-happened", """{"count": 4}""", "--id", "evt-1");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("cli-listener: run cli-listener-ev-evt-1 already exists", again.Stdout, StringComparison.Ordinal);

        var nobody = await cluster.OwfAsync("events", "publish", "cli.nobody-listens");
        Assert.True(nobody.ExitCode == 0, nobody.ToString());
        Assert.Contains("no playbook listens", nobody.Stdout, StringComparison.Ordinal);

        var bad = await cluster.OwfAsync("events", "publish", "cli.thing-happened", "{not json");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("not valid JSON", bad.Stderr, StringComparison.Ordinal);
        var badId = await cluster.OwfAsync("events", "publish", "cli.thing-happened", "--id", "has space");
        Assert.True(badId.ExitCode == 2, badId.ToString());
    }
}
