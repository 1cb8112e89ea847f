using System.Globalization;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary><c>on.schedule</c> with the real clock: ticks fire runs with their own time, disabling stops them, a new version without the entry removes it.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class ScheduleTests(WorkflowClusterFixture fixture)
{
    private const string EchoTask = """
        tasks:
          t:
            steps:
              - id: echo
                uses: noop
                with:
                  at: "${{ run.trigger.scheduled_at }}"
                  started: "${{ run.started_at }}"
                  kind: "${{ run.trigger.kind }}"
                  logical: "${{ run.logical_date }}"
                  day: "${{ params.day }}"
                  who: "${{ params.who }}"
        """;

    private static string Yaml(string name, string schedules) => $$$"""
        name: {{{name}}}
        params:
          who: { type: string, default: manual }
          day: { type: string, default: none }
        on:
          schedule:
        {{{schedules}}}
        {{{EchoTask}}}
        """;

    [Fact]
    public async Task EverySecond_FiresARunPerTick_ThenDisablingStopsIt_AndANewVersionWithoutItRemovesIt()
    {
        var name = await fixture.RegisterAsync(Yaml("trig-sched-every", """    - { cron: "* * * * * *", overlap: allow }"""));

        // Watch the schedule: each tick's run becomes its last run id.
        var seen = new List<string>();
        ScheduleInfo? info = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                info = Assert.Single(await fixture.Client.ListSchedulesAsync(name));
                if (info.LastRunId is { } last && !seen.Contains(last))
                {
                    seen.Add(last);
                }

                return seen.Count >= 3;
            },
            "three ticks fired",
            () => $"{info}; seen {string.Join(", ", seen)}");

        Assert.True(info!.Fired >= 3, info.ToString());
        Assert.True(info.Enabled);
        Assert.Equal("* * * * * *", info.Cron);
        Assert.Null(info.LastError);
        Assert.NotNull(info.NextTick);
        Assert.True(info.NextTick > info.LastTick, info.ToString());
        var ticks = seen.Select(TriggerKit.TickOf).ToList();
        Assert.Equal(ticks.Order(), ticks);
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        foreach (var runId in seen)
        {
            Assert.Matches($"^{name}-s0-\\d{{8}}T\\d{{6}}Z$", runId);
            var tick = TriggerKit.TickOf(runId);
            var end = await fixture.EndOfAsync(runId);
            Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
            var echo = end.StepOutput("t", "echo");
            Assert.Equal("schedule", (string?)echo["kind"]);
            var scheduledAt = DateTimeOffset.Parse((string)echo["at"]!, CultureInfo.InvariantCulture);
            var startedAt = DateTimeOffset.Parse((string)echo["started"]!, CultureInfo.InvariantCulture);
            Assert.Equal(tick, scheduledAt);
            Assert.True(startedAt >= scheduledAt, $"{runId} started {startedAt:O}, before its tick {scheduledAt:O}");
            Assert.True(end.StartedAt >= tick, end.Show());
            Assert.Equal(tick.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)echo["logical"]);
            Assert.Equal("manual", (string?)echo["who"]);
        }

        // Disabled: no more ticks.
        Assert.True((await fixture.Client.SetPlaybookEnabledAsync(name, false, "quiet")).Applied);
        var disabled = Assert.Single(await fixture.Client.ListSchedulesAsync(name));
        Assert.False(disabled.Enabled);
        Assert.Null(disabled.NextTick);

        // Something that must not happen: watch two ticks' worth of time.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var later = Assert.Single(await fixture.Client.ListSchedulesAsync(name));
        Assert.Equal(disabled.Fired, later.Fired);
        Assert.Equal(disabled.LastRunId, later.LastRunId);

        // Enabled again: the missed ticks are settled by `catchup` (latest: the most recent one runs) and it goes on.
        Assert.True((await fixture.Client.SetPlaybookEnabledAsync(name, true)).Applied);
        await Eventually.HoldsAsync(
            async () => Assert.Single(await fixture.Client.ListSchedulesAsync(name)).Fired > later.Fired,
            "ticks fire again once enabled");
        var resumed = Assert.Single(await fixture.Client.ListSchedulesAsync(name));
        Assert.True(resumed.Enabled);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(resumed.LastRunId!)).Status);

        // A new version without the schedule: the entry is gone and fires nothing more.
        await fixture.RegisterAsync($$$"""
            name: {{{name}}}
            params:
              who: { type: string, default: manual }
              day: { type: string, default: none }
            {{{EchoTask}}}
            """);
        Assert.Empty(await fixture.Client.ListSchedulesAsync(name));
        Assert.DoesNotContain(await fixture.Client.ListSchedulesAsync(), s => s.Playbook == name);
        var removed = await fixture.ScheduleGrainInfoAsync(name, 0);
        Assert.NotNull(removed);
        Assert.False(removed.Enabled);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var gone = await fixture.ScheduleGrainInfoAsync(name, 0);
        Assert.Equal(removed.Fired, gone!.Fired);
        Assert.Equal(removed.LastRunId, gone.LastRunId);
        await Assert.ThrowsAsync<Client.RunNotStartedException>(() => fixture.Client.TriggerScheduleAsync(name, 0));
    }

    [Fact]
    public async Task ListSchedules_ShowsEachEntry_WithItsCronTimeZoneCatchupOverlapAndNextTick()
    {
        var name = await fixture.RegisterAsync(Yaml("trig-sched-list", """
                - cron: "0 2 * * *"
                  timezone: Europe/Berlin
                  catchup: all
                  catchup_window: 2d
                  overlap: queue
                - cron: "47 3 1 * *"
            """));
        var now = DateTimeOffset.UtcNow;

        var schedules = await fixture.Client.ListSchedulesAsync(name);

        Assert.Equal([0, 1], schedules.Select(s => s.Index));
        Assert.All(schedules, s =>
        {
            Assert.Equal(name, s.Playbook);
            Assert.True(s.Enabled);
            Assert.Equal(0, s.Fired);
            Assert.Equal(0, s.Skipped);
            Assert.Null(s.LastRunId);
            Assert.Null(s.LastError);
        });

        var berlin = schedules[0];
        Assert.Equal("0 2 * * *", berlin.Cron);
        Assert.Equal("Europe/Berlin", berlin.TimeZone);
        Assert.Equal("all", berlin.Catchup);
        Assert.Equal("queue", berlin.Overlap);
        var next = berlin.NextTick!.Value;
        Assert.True(next > now && next <= now.AddHours(25), $"next tick {next:O}");
        var local = TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Equal(new TimeSpan(2, 0, 0), local.TimeOfDay);

        var monthly = schedules[1];
        Assert.Equal("47 3 1 * *", monthly.Cron);
        Assert.Equal("UTC", monthly.TimeZone);
        Assert.Equal("latest", monthly.Catchup);
        Assert.Equal("skip", monthly.Overlap);
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 3, 47, 0, TimeSpan.Zero);
        Assert.Equal(thisMonth > now ? thisMonth : thisMonth.AddMonths(1), monthly.NextTick);

        var all = await fixture.Client.ListSchedulesAsync();
        Assert.Equal(2, all.Count(s => s.Playbook == name));
    }

    [Fact]
    public async Task ACronWhoseNextTickIsMonthsAway_IsArmedAndListed()
    {
        // 29 February: the next tick is years away, far past what one timer can wait for (about 49.7 days). The same
        // holds for a yearly or quarterly cron for most of the year.
        var name = await fixture.RegisterAsync(Yaml("trig-sched-far", """    - { cron: "0 0 29 2 *" }"""));

        var info = Assert.Single(await fixture.Client.ListSchedulesAsync(name));

        Assert.True(info.Enabled);
        Assert.NotNull(info.NextTick);
        Assert.Equal(2, info.NextTick.Value.Month);
        Assert.Equal(29, info.NextTick.Value.Day);

        // The entry still fires by hand.
        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);
        Assert.Equal(WorkStatus.Succeeded, (await fixture.EndOfAsync(tick)).Status);
    }

    [Fact]
    public async Task ATick_UsesTheEntrysParams_WithTheTicksRunInScope()
    {
        var name = await fixture.RegisterAsync(Yaml("trig-sched-params", """
                - cron: "47 3 1 * *"
                  params: { who: scheduled, day: "${{ run.logical_date }}" }
            """));

        var tick = await fixture.Client.TriggerScheduleAsync(name, 0);

        var end = await fixture.EndOfAsync(tick);
        Assert.True(end.Status == WorkStatus.Succeeded, end.Show());
        var echo = end.StepOutput("t", "echo");
        Assert.Equal("scheduled", (string?)echo["who"]);
        Assert.Equal(TriggerKit.TickOf(tick).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)echo["day"]);
        var info = Assert.Single(await fixture.Client.ListSchedulesAsync(name));
        Assert.Equal(tick, info.LastRunId);
        Assert.Equal(1, info.Fired);

        // A run started by hand keeps the params' defaults.
        var manual = await fixture.EndOfAsync(await fixture.Client.StartRunAsync(name));
        Assert.Equal("manual", (string?)manual.StepOutput("t", "echo")["who"]);
    }

    [Fact]
    public async Task ADisabledPlaybook_RefusesAManualTick()
    {
        var name = await fixture.RegisterAsync(Yaml("trig-sched-disabled", """    - { cron: "47 3 1 * *" }"""));
        Assert.True((await fixture.Client.SetPlaybookEnabledAsync(name, false)).Applied);

        var error = await Assert.ThrowsAsync<Client.RunNotStartedException>(() => fixture.Client.TriggerScheduleAsync(name, 0));

        Assert.Contains("disabled", error.Message, StringComparison.Ordinal);
        Assert.False(Assert.Single(await fixture.Client.ListSchedulesAsync(name)).Enabled);
    }
}
