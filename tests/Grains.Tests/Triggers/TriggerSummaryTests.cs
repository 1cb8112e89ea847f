using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary>What started a run is in its snapshot and in its summary in the run list (from the in-memory history).</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class TriggerSummaryTests(WorkflowClusterFixture fixture)
{
    private const string Yaml = """
        name: trig-summary
        on:
          schedule:
            - { cron: "47 3 1 * *", timezone: Europe/Berlin }
          events: [trig.summary]
        tasks:
          t:
            steps:
              - { id: echo, uses: noop }
        """;

    private async Task<RunSummary> ListedAsync(string runId)
    {
        RunSummary? found = null;
        await Eventually.HoldsAsync(
            async () => (found = (await fixture.Client.ListRunsAsync(new RunQuery(Playbook: "trig-summary", Limit: 1000))).FirstOrDefault(r => r.RunId == runId && r.Status.IsFinal())) is not null,
            $"run {runId} is listed as ended");
        return found!;
    }

    [Fact]
    public async Task AScheduledRun_SnapshotAndSummary_CarryKindScheduledAtAndLogicalDate()
    {
        var name = await fixture.RegisterAsync(Yaml);
        var runId = await fixture.Client.TriggerScheduleAsync(name, 0);
        var end = await fixture.EndOfAsync(runId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var tick = TriggerKit.TickOf(runId);
        var logicalDate = TimeZoneInfo.ConvertTime(tick, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        Assert.Equal(TriggerKind.Schedule, end.Trigger!.Kind);
        Assert.Equal(tick, end.Trigger.ScheduledAt);
        Assert.Equal(logicalDate, end.LogicalDate);
        var listed = await ListedAsync(runId);
        Assert.Equal((TriggerKind.Schedule, (DateTimeOffset?)tick, logicalDate), (listed.Trigger!.Kind, listed.Trigger.ScheduledAt, listed.LogicalDate));
        Assert.Equal("manual", listed.Trigger.Name); // a tick fired by hand
    }

    [Fact]
    public async Task AnEventRun_SnapshotAndSummary_CarryKindNameAndPayload()
    {
        await fixture.RegisterAsync(Yaml);
        var started = Assert.Single(await fixture.Client.PublishEventAsync("trig.summary", new JsonObject { ["file"] = "a.csv" }, "sum-1"));
        var end = await fixture.EndOfAsync(started.RunId);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());

        foreach (var trigger in new[] { end.Trigger!, (await ListedAsync(started.RunId)).Trigger! })
        {
            Assert.Equal((TriggerKind.Event, "trig.summary", (DateTimeOffset?)null), (trigger.Kind, trigger.Name, trigger.ScheduledAt));
            Assert.Equal("a.csv", (string?)JsonNode.Parse(trigger.EventJson!)!["file"]);
            Assert.Null(trigger.After);
        }
    }
}
