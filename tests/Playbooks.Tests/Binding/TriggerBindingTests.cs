using Orleans.Workflow.Playbooks.Model;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class TriggerBindingTests
{
    private static string WithSchedule(string entry) => $"name: demo\non:\n  schedule:\n    - {entry}\n{OneTask}";

    [Theory]
    [InlineData("61 2 * * *", "Minutes")]
    [InlineData("0 24 * * *", "Hours")]
    [InlineData("0 2 32 * *", "Days")]
    [InlineData("0 2 * 13 *", "Months")]
    [InlineData("0 2 * * 8", "Days of week")]
    [InlineData("60 0 2 * * *", "Seconds")]
    [InlineData("x 2 * * *", "Minutes")]
    public void Load_CronValueOutOfRange_ReportsInvalidCronAtTheValue(string cron, string field)
    {
        SingleError(WithSchedule($"cron: \"{cron}\""), 4, 13, $"cron '{cron}' is invalid", field);
    }

    [Theory]
    [InlineData("0 2 * *", 4)]
    [InlineData("0 0 2 * * * 2024", 7)]
    [InlineData("@daily", 1)]
    [InlineData("5", 1)]
    public void Load_CronWrongFieldCount_ReportsFieldCount(string cron, int fields)
    {
        SingleError(WithSchedule($"cron: \"{cron}\""), 4, 13, $"cron '{cron}' has {fields} fields", "use 5 (minute hour day month weekday) or 6 (seconds first)");
    }

    [Theory]
    [InlineData("0 2 31 2 *")]
    [InlineData("0 2 30 2 *")]
    [InlineData("0 2 31 4 *")]
    public void Load_CronThatNeverFires_ReportsNeverFires(string cron)
    {
        SingleError(WithSchedule($"cron: \"{cron}\""), 4, 13, $"cron '{cron}' never fires");
    }

    [Fact]
    public void Load_CronOnLeapDay_IsAccepted()
    {
        Valid(WithSchedule("cron: \"0 0 29 2 *\""));
    }

    [Fact]
    public void Load_CronWithSixFields_HasSeconds()
    {
        var schedule = Assert.Single(Valid(WithSchedule("cron: \"30 0 2 * * *\"")).On.Schedules);
        var next = schedule.Expression.GetNextOccurrence(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2024, 1, 1, 2, 0, 30, DateTimeKind.Utc), next);
    }

    [Fact]
    public void Load_CronWithFiveFields_FiresOnTheMinute()
    {
        var schedule = Assert.Single(Valid(WithSchedule("cron: \"0 7 * * 1-5\"")).On.Schedules);
        var next = schedule.Expression.GetNextOccurrence(new DateTime(2024, 1, 6, 12, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2024, 1, 8, 7, 0, 0, DateTimeKind.Utc), next);
        Assert.Equal("0 7 * * 1-5", schedule.Cron);
    }

    [Fact]
    public void Load_ScheduleWithoutCron_ReportsMissingCron()
    {
        SingleError(WithSchedule("timezone: UTC"), 4, 7, "schedule has no 'cron'");
    }

    [Theory]
    [InlineData("Europe/Berln")]
    [InlineData("Mars/Olympus")]
    [InlineData("CEST+2")]
    [InlineData("America")]
    [InlineData("../../../etc/passwd")]
    [InlineData("/etc/hostname")]
    [InlineData("Local")]
    public void Load_UnknownTimeZone_ReportsIanaHint(string zone)
    {
        SingleError(
            $"name: demo\non:\n  schedule:\n    - cron: \"0 2 * * *\"\n      timezone: {zone}\n{OneTask}",
            5, 17, $"unknown time zone '{zone}'", "use an IANA name such as Europe/Berlin");
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    [InlineData("Asia/Kolkata")]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    public void Load_IanaTimeZone_IsAccepted(string zone)
    {
        var schedule = Assert.Single(Valid($"name: demo\non:\n  schedule:\n    - cron: \"0 2 * * *\"\n      timezone: {zone}\n{OneTask}").On.Schedules);
        Assert.Equal(zone, schedule.TimeZoneId);
        Assert.NotNull(schedule.TimeZone);
    }

    [Fact]
    public void Load_BerlinTimeZone_HandlesDaylightSaving()
    {
        var schedule = Assert.Single(Valid($"name: demo\non:\n  schedule:\n    - cron: \"0 2 * * *\"\n      timezone: Europe/Berlin\n{OneTask}").On.Schedules);
        Assert.Equal(TimeSpan.FromHours(1), schedule.TimeZone.GetUtcOffset(new DateTime(2024, 1, 15, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(TimeSpan.FromHours(2), schedule.TimeZone.GetUtcOffset(new DateTime(2024, 7, 15, 12, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void Load_ScheduleWithOnlyCron_GetsDefaults()
    {
        var schedule = Assert.Single(Valid(WithSchedule("cron: \"0 2 * * *\"")).On.Schedules);
        Assert.Equal("UTC", schedule.TimeZoneId);
        Assert.Equal(TimeZoneInfo.Utc, schedule.TimeZone);
        Assert.Equal(CatchupPolicy.Latest, schedule.Catchup);
        Assert.Equal(OverlapPolicy.Skip, schedule.Overlap);
        Assert.Equal(TimeSpan.FromDays(1), schedule.CatchupWindow);
        Assert.Equal(ScheduleSpec.DefaultCatchupWindow, schedule.CatchupWindow);
        Assert.Empty(schedule.Params);
        Assert.Equal(new SourcePosition(4, 7), schedule.Position);
    }

    [Fact]
    public void Load_ScheduleWithEverything_KeepsEachSetting()
    {
        var schedule = Assert.Single(Valid(
            $$"""
            name: demo
            params:
              full_refresh: bool
            on:
              schedule:
                - cron: "0 2 * * *"
                  timezone: Europe/Berlin
                  catchup: all
                  catchup_window: 3d
                  overlap: queue
                  params: { full_refresh: false }
            {{OneTask}}
            """).On.Schedules);
        Assert.Equal(CatchupPolicy.All, schedule.Catchup);
        Assert.Equal(OverlapPolicy.Queue, schedule.Overlap);
        Assert.Equal(TimeSpan.FromDays(3), schedule.CatchupWindow);
        var (name, _) = Assert.Single(schedule.Params);
        Assert.Equal("full_refresh", name);
    }

    [Fact]
    public void Load_ScheduleAsSingleMapping_IsOneSchedule()
    {
        var playbook = Valid($"name: demo\non:\n  schedule:\n    cron: \"0 2 * * *\"\n    overlap: allow\n{OneTask}");
        Assert.Equal(OverlapPolicy.Allow, Assert.Single(playbook.On.Schedules).Overlap);
    }

    [Fact]
    public void Load_ScheduleParamsNotMapping_ReportsExpectedMapping()
    {
        SingleError(
            $"name: demo\non:\n  schedule:\n    - cron: \"0 2 * * *\"\n      params: [a]\n{OneTask}",
            5, 15, "schedule params: expected a mapping of param names to values, found a list");
    }

    [Fact]
    public void Load_AfterWithoutStatus_DefaultsToSucceeded()
    {
        var after = Assert.Single(Valid($"name: demo\non:\n  after:\n    - playbook: other\n{OneTask}").On.After);
        Assert.Equal("other", after.Playbook);
        Assert.Equal(new[] { RunOutcome.Succeeded }, after.Statuses);
    }

    [Fact]
    public void Load_AfterStatusAny_MeansEveryOutcome()
    {
        var after = Assert.Single(Valid($"name: demo\non:\n  after:\n    - {{ playbook: other, status: [failed, any] }}\n{OneTask}").On.After);
        Assert.Equal(Enum.GetValues<RunOutcome>().Order(), after.Statuses.Order());
    }

    [Fact]
    public void Load_AfterWithoutPlaybook_ReportsMissingPlaybook()
    {
        SingleError($"name: demo\non:\n  after:\n    - status: failed\n{OneTask}", 4, 7, "on.after entry has no 'playbook'");
    }

    [Fact]
    public void Load_NoOn_HasNoTriggers()
    {
        var playbook = Valid($"name: demo\n{OneTask}");
        Assert.Empty(playbook.On.Schedules);
        Assert.Empty(playbook.On.Events);
        Assert.Empty(playbook.On.After);
    }
}
