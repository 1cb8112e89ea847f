using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Tests;

/// <summary><c>owf status --json</c> and <c>owf runs --json</c> say what started a run (<c>trigger</c>) and its <c>logical_date</c>.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TriggerJsonTests(ClusterFixture cluster) : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private async Task<string> RegisterAsync(string name, string yaml)
    {
        var file = _files.Write(name + ".yaml", yaml);
        var registered = await cluster.OwfAsync("playbooks", "register", file);
        Assert.True(registered.ExitCode == 0, registered.ToString());
        return file;
    }

    private async Task<JsonObject> StatusJsonAsync(string runId)
    {
        var status = await cluster.OwfAsync("status", runId, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        return JsonNode.Parse(status.Stdout)!.AsObject();
    }

    // The list comes from the history, a moment after the events: wait until the run is listed as ended.
    private async Task<JsonObject> ListedAsync(string playbook, string runId)
    {
        JsonObject? listed = null;
        var last = string.Empty;
        await Poll.UntilAsync(
            async () =>
            {
                var runs = await cluster.OwfAsync("runs", "--playbook", playbook, "--json");
                Assert.True(runs.ExitCode == 0, runs.ToString());
                last = runs.Stdout;
                listed = JsonNode.Parse(runs.Stdout)!.AsArray().FirstOrDefault(r => (string?)r!["id"] == runId && (string?)r["status"] == "succeeded")?.AsObject();
                return listed is not null;
            },
            $"owf runs lists {runId} as succeeded",
            () => last);
        return listed!;
    }

    [Fact]
    public async Task StatusAndRuns_AManualRun_TriggerKindManualAndLogicalDateToday()
    {
        var file = await RegisterAsync("manual", """
            name: cli-trigger-manual
            tasks:
              only:
                steps:
                  - { uses: noop }
            """);
        var before = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var started = await CliKit.RunAsync("run", file, "--detach", "--cluster", cluster.ConnectionString);
        Assert.True(started.ExitCode == 0, started.ToString());
        var runId = started.Stdout.Trim();
        Assert.Equal(WorkStatus.Succeeded, (await cluster.Client.WaitForEndAsync(runId)).Status);
        var after = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        foreach (var run in new[] { await StatusJsonAsync(runId), await ListedAsync("cli-trigger-manual", runId) })
        {
            var trigger = run["trigger"]!.AsObject();
            Assert.Equal("manual", (string?)trigger["kind"]);
            foreach (var key in new[] { "scheduled_at", "event", "name", "after" })
            {
                Assert.True(trigger.ContainsKey(key) && trigger[key] is null, $"trigger.{key} is not null: {run.ToJsonString()}");
            }

            Assert.Contains((string?)run["logical_date"], new[] { before, after });
        }
    }

    [Fact]
    public async Task StatusAndRuns_AScheduleTick_TriggerKindScheduleWithScheduledAt()
    {
        await RegisterAsync("tick", """
            name: cli-trigger-tick
            on:
              schedule:
                - { cron: "0 3 1 1 *", timezone: UTC }
            tasks:
              only:
                steps:
                  - { uses: noop }
            """);
        var triggered = await cluster.OwfAsync("schedules", "trigger", "cli-trigger-tick", "--json");
        Assert.True(triggered.ExitCode == 0, triggered.ToString());
        var runId = (string)JsonNode.Parse(triggered.Stdout)!["run"]!;
        var snapshot = await cluster.Client.WaitForEndAsync(runId);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        var tick = snapshot.Trigger!.ScheduledAt!.Value;

        foreach (var run in new[] { await StatusJsonAsync(runId), await ListedAsync("cli-trigger-tick", runId) })
        {
            var trigger = run["trigger"]!;
            Assert.Equal("schedule", (string?)trigger["kind"]);
            Assert.Equal(tick, DateTimeOffset.Parse((string)trigger["scheduled_at"]!, CultureInfo.InvariantCulture));
            Assert.Equal("manual", (string?)trigger["name"]);
            Assert.Equal(tick.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)run["logical_date"]);
        }
    }

    [Fact]
    public async Task StatusAndRuns_AnEventAndTheRunAfterIt_SayWhichEventAndWhichUpstreamRun()
    {
        await RegisterAsync("listener", """
            name: cli-trigger-listener
            on:
              events: [cli.trigger-json]
            tasks:
              only:
                steps:
                  - { uses: noop }
            """);
        await RegisterAsync("follower", """
            name: cli-trigger-follower
            on:
              after:
                - { playbook: cli-trigger-listener, status: succeeded }
            tasks:
              only:
                steps:
                  - { uses: noop }
            """);
        var published = await cluster.OwfAsync("events", "publish", "cli.trigger-json", """{"file": "a.csv"}""", "--id", "tj-1", "--json");
        Assert.True(published.ExitCode == 0, published.ToString());
        const string RunId = "cli-trigger-listener-ev-tj-1";
        const string FollowerId = "cli-trigger-follower-after-" + RunId;
        Assert.Equal(WorkStatus.Succeeded, (await cluster.Client.WaitForEndAsync(RunId)).Status);

        foreach (var run in new[] { await StatusJsonAsync(RunId), await ListedAsync("cli-trigger-listener", RunId) })
        {
            var trigger = run["trigger"]!;
            Assert.Equal(("event", "cli.trigger-json"), ((string?)trigger["kind"], (string?)trigger["name"]));
            Assert.True(JsonNode.DeepEquals(new JsonObject { ["file"] = "a.csv" }, trigger["event"]), run.ToJsonString());
            Assert.Null(trigger["after"]);
        }

        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await cluster.Client.GetSnapshotAsync(FollowerId);
                    return true;
                }
                catch (Client.RunNotFoundException)
                {
                    return false;
                }
            },
            $"run {FollowerId} exists");
        Assert.Equal(WorkStatus.Succeeded, (await cluster.Client.WaitForEndAsync(FollowerId)).Status);
        foreach (var run in new[] { await StatusJsonAsync(FollowerId), await ListedAsync("cli-trigger-follower", FollowerId) })
        {
            var trigger = run["trigger"]!;
            Assert.Equal(("after", "cli-trigger-listener"), ((string?)trigger["kind"], (string?)trigger["name"]));
            Assert.True(
                JsonNode.DeepEquals(new JsonObject { ["playbook"] = "cli-trigger-listener", ["run"] = RunId, ["attempt"] = 1, ["status"] = "succeeded" }, trigger["after"]),
                run.ToJsonString());
            Assert.Null(trigger["event"]);
        }
    }
}
