using Cronos;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Scheduling;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Scheduling;

public class TickPlannerTests
{
    private const string Berlin = "Europe/Berlin";
    private const string NewYork = "America/New_York";

    private static ScheduleSpec Schedule(
        string cron,
        string zone = "UTC",
        CatchupPolicy catchup = CatchupPolicy.Latest,
        TimeSpan? window = null)
    {
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        var timeZone = zone == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zone);
        return new ScheduleSpec(
            cron, expression, zone, timeZone, catchup, window ?? ScheduleSpec.DefaultCatchupWindow, OverlapPolicy.Skip, [], new SourcePosition(1, 1));
    }

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    /// <summary>Every <paramref name="step"/> from <paramref name="first"/> through <paramref name="last"/>.</summary>
    private static List<DateTimeOffset> Every(TimeSpan step, DateTimeOffset first, DateTimeOffset last)
    {
        var ticks = new List<DateTimeOffset>();
        for (var tick = first; tick <= last; tick += step)
        {
            ticks.Add(tick);
        }

        return ticks;
    }

    /// <summary>The ticks in (after, until] by calling Next over and over.</summary>
    private static List<DateTimeOffset> IterateNext(ScheduleSpec spec, DateTimeOffset after, DateTimeOffset until)
    {
        var ticks = new List<DateTimeOffset>();
        while (TickPlanner.Next(spec, after) is { } tick && tick <= until)
        {
            ticks.Add(tick);
            after = tick;
        }

        return ticks;
    }

    private static Dictionary<DateOnly, int> PerLocalDay(IEnumerable<DateTimeOffset> ticks, string zone)
    {
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        return ticks
            .GroupBy(tick => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(tick, timeZone).DateTime))
            .ToDictionary(group => group.Key, group => group.Count());
    }

    private static void AllUtc(IEnumerable<DateTimeOffset> ticks) =>
        Assert.All(ticks, tick => Assert.Equal(TimeSpan.Zero, tick.Offset));

    // ---- Next ----

    [Fact]
    public void Next_FiveFieldCronInUtc_IsTheNextMatchingMinuteStrictlyAfter()
    {
        var spec = Schedule("*/15 * * * *");

        Assert.Equal(Utc(2026, 5, 1, 10, 15), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 7, 30)));
        Assert.Equal(Utc(2026, 5, 1, 10, 30), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 15)));
        Assert.Equal(Utc(2026, 5, 1, 10, 15), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 15).AddTicks(-1)));
        Assert.Equal(Utc(2026, 5, 1, 11, 0), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 45).AddTicks(1)));
    }

    [Fact]
    public void Next_SixFieldCron_CountsSeconds()
    {
        var spec = Schedule("30 * * * * *");

        Assert.Equal(Utc(2026, 5, 1, 10, 0, 30), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 0, 0)));
        Assert.Equal(Utc(2026, 5, 1, 10, 1, 30), TickPlanner.Next(spec, Utc(2026, 5, 1, 10, 0, 30)));
    }

    [Fact]
    public void Next_InTimeZone_IsTheLocalTimeAsUtc()
    {
        var spec = Schedule("0 9 * * *", Berlin);

        var winter = TickPlanner.Next(spec, Utc(2026, 1, 10, 12));
        var summer = TickPlanner.Next(spec, Utc(2026, 7, 10, 12));

        Assert.Equal(Utc(2026, 1, 11, 8), winter);
        Assert.Equal(TimeSpan.Zero, winter!.Value.Offset);
        Assert.Equal(Utc(2026, 7, 11, 7), summer);
        Assert.Equal(TimeSpan.Zero, summer!.Value.Offset);
    }

    [Fact]
    public void Next_SixFieldCronInTimeZone_IsTheLocalSecondAsUtc()
    {
        var spec = Schedule("15 30 8 * * *", NewYork);

        Assert.Equal(Utc(2026, 1, 10, 13, 30, 15), TickPlanner.Next(spec, Utc(2026, 1, 10, 12)));
        Assert.Equal(Utc(2026, 7, 10, 12, 30, 15), TickPlanner.Next(spec, Utc(2026, 7, 10, 12)));
    }

    [Fact]
    public void Next_ScheduleLoadedFromYaml_FiveAndSixFieldCronsParseAsWritten()
    {
        var playbook = Valid($"""
            name: demo
            on:
              schedule:
                - cron: "0 7 * * 1-5"
                  timezone: {NewYork}
                - cron: "45 */10 * * * *"
            {OneTask}
            """);

        var weekdays = playbook.On.Schedules[0];
        var everyTenMinutes = playbook.On.Schedules[1];

        // Saturday 2026-01-10 -> Monday 2026-01-12 07:00 EST.
        Assert.Equal(Utc(2026, 1, 12, 12), TickPlanner.Next(weekdays, Utc(2026, 1, 10, 12)));
        Assert.Equal(Utc(2026, 1, 10, 12, 0, 45), TickPlanner.Next(everyTenMinutes, Utc(2026, 1, 10, 12)));
        Assert.Equal(Utc(2026, 1, 10, 12, 10, 45), TickPlanner.Next(everyTenMinutes, Utc(2026, 1, 10, 12, 0, 45)));
    }

    [Fact]
    public void Next_NoFurtherOccurrence_IsNull()
    {
        var spec = Schedule("0 0 1 1 *");

        Assert.Null(TickPlanner.Next(spec, Utc(9999, 1, 1)));
    }

    // ---- a three-hour outage, 09:00 to 12:00 (a tick at 09:00 is already settled; the one at 12:00 is due) ----

    private static readonly DateTimeOffset OutageStart = Utc(2026, 5, 1, 9);
    private static readonly DateTimeOffset OutageEnd = Utc(2026, 5, 1, 12);

    private static readonly DateTimeOffset[] HourlyDue = [Utc(2026, 5, 1, 10), Utc(2026, 5, 1, 11), Utc(2026, 5, 1, 12)];

    private static List<DateTimeOffset> MinutesDue(DateTimeOffset first) => Every(TimeSpan.FromMinutes(1), first, OutageEnd);

    [Fact]
    public void SettleMissed_HourlyOutageWithNone_FiresNothingAndSkipsEveryTick()
    {
        var settlement = TickPlanner.SettleMissed(Schedule("0 * * * *", catchup: CatchupPolicy.None), OutageStart, OutageEnd);

        Assert.Empty(settlement.Fire);
        Assert.Equal(3, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_PerMinuteOutageWithNone_FiresNothingAndSkipsEveryTick()
    {
        var settlement = TickPlanner.SettleMissed(Schedule("* * * * *", catchup: CatchupPolicy.None), OutageStart, OutageEnd);

        Assert.Empty(settlement.Fire);
        Assert.Equal(180, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_HourlyOutageWithLatest_FiresOnlyTheLastTick()
    {
        var settlement = TickPlanner.SettleMissed(Schedule("0 * * * *", catchup: CatchupPolicy.Latest), OutageStart, OutageEnd);

        Assert.Equal([Utc(2026, 5, 1, 12)], settlement.Fire);
        Assert.Equal(2, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_PerMinuteOutageWithLatest_FiresOnlyTheLastTick()
    {
        var settlement = TickPlanner.SettleMissed(Schedule("* * * * *", catchup: CatchupPolicy.Latest), OutageStart, OutageEnd);

        Assert.Equal([Utc(2026, 5, 1, 12)], settlement.Fire);
        Assert.Equal(179, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_HourlyOutageWithAllAndAWideWindow_FiresEveryTickOldestFirst()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromDays(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd);

        Assert.Equal(HourlyDue, settlement.Fire);
        Assert.Equal(0, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
        AllUtc(settlement.Fire);
    }

    [Fact]
    public void SettleMissed_PerMinuteOutageWithAllAndAWideWindow_FiresEveryTickOldestFirst()
    {
        var spec = Schedule("* * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromDays(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd);

        Assert.Equal(180, settlement.Fire.Count);
        Assert.Equal(MinutesDue(Utc(2026, 5, 1, 9, 1)), settlement.Fire);
        Assert.Equal(0, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
        AllUtc(settlement.Fire);
    }

    [Fact]
    public void SettleMissed_HourlyOutageWithAllAndAnHourWindow_FiresTheLastHourAndSkipsTheRest()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromHours(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd);

        // The window is [11:00, 12:00]: a tick exactly at now - window is still in it.
        Assert.Equal([Utc(2026, 5, 1, 11), Utc(2026, 5, 1, 12)], settlement.Fire);
        Assert.Equal(1, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_PerMinuteOutageWithAllAndAnHourWindow_FiresTheLastHourAndSkipsTheRest()
    {
        var spec = Schedule("* * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromHours(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd);

        Assert.Equal(MinutesDue(Utc(2026, 5, 1, 11)), settlement.Fire);
        Assert.Equal(61, settlement.Fire.Count);
        Assert.Equal(119, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_TickExactlyAtAfter_IsNotDueAgain()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All);

        Assert.Same(TickSettlement.Nothing, TickPlanner.SettleMissed(spec, Utc(2026, 5, 1, 10), Utc(2026, 5, 1, 10, 59, 59)));
        Assert.Same(TickSettlement.Nothing, TickPlanner.SettleMissed(spec, Utc(2026, 5, 1, 10), Utc(2026, 5, 1, 10)));
    }

    [Fact]
    public void SettleMissed_TickExactlyAtNow_IsDue()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All);

        var settlement = TickPlanner.SettleMissed(spec, Utc(2026, 5, 1, 10).AddTicks(-1), Utc(2026, 5, 1, 10));

        Assert.Equal([Utc(2026, 5, 1, 10)], settlement.Fire);
        Assert.Equal(0, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 10), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_NowNotAfterAfter_IsNothing()
    {
        var spec = Schedule("* * * * * *", catchup: CatchupPolicy.All);

        Assert.Same(TickSettlement.Nothing, TickPlanner.SettleMissed(spec, Utc(2026, 5, 1, 10), Utc(2026, 5, 1, 9)));
    }

    [Fact]
    public void SettleMissed_NegativeLimit_Throws()
    {
        var spec = Schedule("* * * * *", catchup: CatchupPolicy.All);

        Assert.Throws<ArgumentOutOfRangeException>(() => TickPlanner.SettleMissed(spec, OutageStart, OutageEnd, limit: -1));
    }

    // ---- limit ----

    [Fact]
    public void SettleMissed_AllOverTheLimit_FiresTheMostRecentLimitTicks()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromDays(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd, limit: 2);

        Assert.Equal([Utc(2026, 5, 1, 11), Utc(2026, 5, 1, 12)], settlement.Fire);
        Assert.Equal(1, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_AllWithLimitZero_FiresNothingButSettles()
    {
        var spec = Schedule("0 * * * *", catchup: CatchupPolicy.All, window: TimeSpan.FromDays(1));

        var settlement = TickPlanner.SettleMissed(spec, OutageStart, OutageEnd, limit: 0);

        Assert.Empty(settlement.Fire);
        Assert.Equal(3, settlement.Skipped);
        Assert.Equal(Utc(2026, 5, 1, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_PerSecondWithAllFor30Days_FiresTheDefaultLimitOfMostRecentSeconds()
    {
        var spec = Schedule("* * * * * *", Berlin, CatchupPolicy.All, TimeSpan.FromDays(1));
        var after = Utc(2026, 3, 1);
        var now = Utc(2026, 3, 31, 12, 0, 0).AddMilliseconds(500);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        Assert.Equal(Every(TimeSpan.FromSeconds(1), Utc(2026, 3, 31, 12) - TimeSpan.FromSeconds(9_999), Utc(2026, 3, 31, 12)), settlement.Fire);
        Assert.Equal((long)(Utc(2026, 3, 31, 12) - after).TotalSeconds - 10_000, settlement.Skipped);
        Assert.Equal(Utc(2026, 3, 31, 12), settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_AllWithinLimitAcrossAGap_SkipsOnlyTicksBeforeTheWindow()
    {
        var spec = Schedule("*/10 * * * * *", NewYork, CatchupPolicy.All, TimeSpan.FromMinutes(1));
        var after = Utc(2026, 3, 1);
        var now = Utc(2026, 3, 31, 12, 0, 5);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        // [11:59:05, 12:00:05]: 11:59:10 ... 12:00:00.
        Assert.Equal(Every(TimeSpan.FromSeconds(10), Utc(2026, 3, 31, 11, 59, 10), Utc(2026, 3, 31, 12)), settlement.Fire);
        Assert.Equal((30 * 86_400 + 12 * 3_600) / 10 - 6, settlement.Skipped);
    }

    // ---- daylight saving time ----

    [Fact]
    public void SettleMissed_DailyAcrossBerlinSpringForward_FiresOnceADayAtTheEndOfTheGapThatDay()
    {
        var spec = Schedule("30 2 * * *", Berlin, CatchupPolicy.All, TimeSpan.FromDays(30));
        var after = Utc(2026, 3, 25);
        var now = Utc(2026, 4, 2);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        DateTimeOffset[] expected =
        [
            Utc(2026, 3, 25, 1, 30), Utc(2026, 3, 26, 1, 30), Utc(2026, 3, 27, 1, 30), Utc(2026, 3, 28, 1, 30),
            Utc(2026, 3, 29, 1, 0), // 02:30 does not exist: Cronos fires at 03:00 CEST, when the gap ends.
            Utc(2026, 3, 30, 0, 30), Utc(2026, 3, 31, 0, 30), Utc(2026, 4, 1, 0, 30),
        ];
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, after, now));
        Assert.All(PerLocalDay(settlement.Fire, Berlin).Values, count => Assert.Equal(1, count));
        Assert.Equal(0, settlement.Skipped);
    }

    [Fact]
    public void SettleMissed_DailyAcrossBerlinFallBack_FiresOnceOnTheRepeatedDay()
    {
        var spec = Schedule("30 2 * * *", Berlin, CatchupPolicy.All, TimeSpan.FromDays(30));
        var after = Utc(2026, 10, 23);
        var now = Utc(2026, 10, 28);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        DateTimeOffset[] expected =
        [
            Utc(2026, 10, 23, 0, 30), Utc(2026, 10, 24, 0, 30),
            Utc(2026, 10, 25, 0, 30), // 02:30 CEST, the first of the two; not again at 02:30 CET.
            Utc(2026, 10, 26, 1, 30), Utc(2026, 10, 27, 1, 30),
        ];
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, after, now));
        Assert.All(PerLocalDay(settlement.Fire, Berlin).Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public void SettleMissed_DailyAcrossNewYorkSpringForward_FiresOnceADayAtTheEndOfTheGapThatDay()
    {
        var spec = Schedule("30 2 * * *", NewYork, CatchupPolicy.All, TimeSpan.FromDays(30));
        var after = Utc(2026, 3, 6);
        var now = Utc(2026, 3, 11);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        DateTimeOffset[] expected =
        [
            Utc(2026, 3, 6, 7, 30), Utc(2026, 3, 7, 7, 30),
            Utc(2026, 3, 8, 7, 0), // 03:00 EDT, when the gap ends.
            Utc(2026, 3, 9, 6, 30), Utc(2026, 3, 10, 6, 30),
        ];
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, after, now));
        Assert.All(PerLocalDay(settlement.Fire, NewYork).Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public void SettleMissed_DailyAcrossNewYorkFallBack_FiresOnceOnTheRepeatedDay()
    {
        var spec = Schedule("30 2 * * *", NewYork, CatchupPolicy.All, TimeSpan.FromDays(30));
        var after = Utc(2026, 10, 30);
        var now = Utc(2026, 11, 3);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        DateTimeOffset[] expected = [Utc(2026, 10, 30, 6, 30), Utc(2026, 10, 31, 6, 30), Utc(2026, 11, 1, 7, 30), Utc(2026, 11, 2, 7, 30)];
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, after, now));
    }

    [Fact]
    public void SettleMissed_DailyAtTheRepeatedHourInNewYork_FiresOnceOnTheFallBackDay()
    {
        var spec = Schedule("30 1 * * *", NewYork, CatchupPolicy.All, TimeSpan.FromDays(30));
        var after = Utc(2026, 10, 31);
        var now = Utc(2026, 11, 3);

        var settlement = TickPlanner.SettleMissed(spec, after, now);

        DateTimeOffset[] expected =
        [
            Utc(2026, 10, 31, 5, 30),
            Utc(2026, 11, 1, 5, 30), // 01:30 EDT; not again at 01:30 EST (06:30Z).
            Utc(2026, 11, 2, 6, 30),
        ];
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, after, now));
        Assert.Equal(1, PerLocalDay(settlement.Fire, NewYork)[new DateOnly(2026, 11, 1)]);
    }

    [Theory]
    [InlineData(Berlin, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23)]
    [InlineData(Berlin, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25)]
    [InlineData(NewYork, "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23)]
    [InlineData(NewYork, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25)]
    public void SettleMissed_HourlyOverAClockChangeDay_FiresEachRealHourOnce(string zone, string dayStart, string nextDayStart, int hours)
    {
        var start = DateTimeOffset.Parse(dayStart, System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(nextDayStart, System.Globalization.CultureInfo.InvariantCulture);
        var spec = Schedule("0 * * * *", zone, CatchupPolicy.All, TimeSpan.FromDays(2));

        // (just before local midnight, just before the next local midnight]: exactly the local day.
        var settlement = TickPlanner.SettleMissed(spec, start.AddTicks(-1), end.AddTicks(-1));
        var counted = TickPlanner.SettleMissed(spec with { Catchup = CatchupPolicy.None }, start.AddTicks(-1), end.AddTicks(-1));

        var expected = Every(TimeSpan.FromHours(1), start, end - TimeSpan.FromHours(1));
        Assert.Equal(hours, expected.Count);
        Assert.Equal(expected, settlement.Fire);
        Assert.Equal(expected, IterateNext(spec, start.AddTicks(-1), end.AddTicks(-1)));
        Assert.Equal(hours, counted.Skipped);
        Assert.Equal(hours, PerLocalDay(settlement.Fire, zone)[DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime)]);
    }

    public static TheoryData<string, string> CountingCases() => new()
    {
        { "0 * * * *", Berlin },
        { "*/20 2 * * *", Berlin },
        { "30 2,3 * * *", Berlin },
        { "0,30 2-3 * * *", NewYork },
        { "30 1 * * *", NewYork },
        { "*/7 * * * *", NewYork },
        { "0 9 * * 1-5", NewYork },
        { "0 0 L * *", Berlin },
        { "*/15 * * * *", "Asia/Kolkata" },
        { "*/10 * * * *", "Australia/Lord_Howe" },
        { "5 1-2 * * *", "Australia/Lord_Howe" },
        { "*/13 * 1-3 * * *", Berlin },
        { "0 30 * * * *", NewYork },
        { "0 0,30 1 * * *", NewYork },
        { "0-1 30 1 * * *", NewYork },
        { "0 30 1-2 * * *", Berlin },
    };

    /// <summary>Counting by days, hours and minutes agrees with enumerating every tick, around every 2026 clock change.</summary>
    [Theory]
    [MemberData(nameof(CountingCases))]
    public void SettleMissed_CountsAroundClockChanges_MatchEnumeration(string cron, string zone)
    {
        var spec = Schedule(cron, zone, CatchupPolicy.None);
        var timeZone = spec.TimeZone;
        var starts = new[] { Utc(2026, 3, 5, 3, 17, 41), Utc(2026, 3, 27, 22, 59, 59), Utc(2026, 4, 3, 13, 0, 1), Utc(2026, 9, 30, 23, 30), Utc(2026, 10, 24, 0, 0, 1) };
        foreach (var start in starts)
        {
            foreach (var length in new[] { TimeSpan.FromMinutes(7), TimeSpan.FromHours(5.5), TimeSpan.FromDays(1), TimeSpan.FromDays(3.3), TimeSpan.FromDays(45.7) })
            {
                var end = start + length;
                var ticks = spec.Expression.GetOccurrences(start, end, timeZone, fromInclusive: false, toInclusive: true)
                    .Select(tick => tick.ToUniversalTime())
                    .ToList();

                var settlement = TickPlanner.SettleMissed(spec, start, end);

                Assert.True(ticks.Count == settlement.Skipped, $"{cron} in {zone} over ({start:o}, {end:o}]: {ticks.Count} ticks, counted {settlement.Skipped}");
                Assert.Equal(ticks.Count == 0 ? null : ticks[^1], settlement.Watermark);
            }
        }
    }

    [Fact]
    public void SettleMissed_PerSecondAcrossClockChanges_CountsEverySecondOnce()
    {
        foreach (var (zone, change) in new[] { (Berlin, Utc(2026, 3, 29, 1)), (Berlin, Utc(2026, 10, 25, 1)), (NewYork, Utc(2026, 3, 8, 7)), (NewYork, Utc(2026, 11, 1, 6)) })
        {
            var spec = Schedule("* * * * * *", zone, CatchupPolicy.None);
            var after = change - TimeSpan.FromHours(2.5);
            var now = change + TimeSpan.FromHours(1.75);

            var settlement = TickPlanner.SettleMissed(spec, after, now);

            Assert.Equal(spec.Expression.GetOccurrences(after, now, spec.TimeZone, false, true).LongCount(), settlement.Skipped);
            Assert.Equal((long)(now - after).TotalSeconds, settlement.Skipped);
            Assert.Equal(now, settlement.Watermark);
        }
    }

    // ---- large gaps ----

    [Fact]
    public void SettleMissed_PerSecondDisabledFor30DaysWithLatest_FiresExactlyTheLastSecond()
    {
        var spec = Schedule("* * * * * *", catchup: CatchupPolicy.Latest);
        var after = Utc(2026, 1, 1);
        var now = Utc(2026, 1, 31, 8, 15, 42).AddMilliseconds(750);
        var settlement = TickPlanner.SettleMissed(spec, after, now);

        Assert.Equal([Utc(2026, 1, 31, 8, 15, 42)], settlement.Fire);
        Assert.Equal(Utc(2026, 1, 31, 8, 15, 42), settlement.Watermark);
        Assert.Equal((long)(Utc(2026, 1, 31, 8, 15, 42) - after).TotalSeconds - 1, settlement.Skipped);
    }

    [Fact]
    public void SettleMissed_PerSecondDisabledFor30DaysWithNone_SkipsEverySecond()
    {
        var spec = Schedule("* * * * * *", catchup: CatchupPolicy.None);
        var after = Utc(2026, 1, 1);
        var now = Utc(2026, 1, 31);
        var settlement = TickPlanner.SettleMissed(spec, after, now);

        Assert.Empty(settlement.Fire);
        Assert.Equal(30 * 86_400, settlement.Skipped);
        Assert.Equal(now, settlement.Watermark);
    }

    [Fact]
    public void SettleMissed_PerSecondDisabledForTenYearsInBerlin_CountsExactly()
    {
        // 315 million ticks: enumerating them would take minutes.
        var spec = Schedule("* * * * * *", Berlin, CatchupPolicy.None);
        var after = Utc(2026, 1, 1).AddMilliseconds(250);
        var now = Utc(2036, 1, 1, 17, 3, 9).AddMilliseconds(500);
        var none = TickPlanner.SettleMissed(spec, after, now);
        var latest = TickPlanner.SettleMissed(spec with { Catchup = CatchupPolicy.Latest }, after, now);

        var seconds = (long)(Utc(2036, 1, 1, 17, 3, 9) - Utc(2026, 1, 1)).TotalSeconds;
        Assert.Equal(seconds, none.Skipped);
        Assert.Equal(Utc(2036, 1, 1, 17, 3, 9), none.Watermark);
        Assert.Equal([Utc(2036, 1, 1, 17, 3, 9)], latest.Fire);
        Assert.Equal(seconds - 1, latest.Skipped);
    }

    [Fact]
    public void SettleMissed_RareTickAfterAHugeGap_IsFound()
    {
        // Leap days only: the most recent one before 2030 is 2028-02-29.
        var spec = Schedule("0 12 29 2 *", NewYork, CatchupPolicy.Latest);

        var settlement = TickPlanner.SettleMissed(spec, Utc(2001, 1, 1), Utc(2030, 1, 1));

        Assert.Equal([Utc(2028, 2, 29, 17)], settlement.Fire);
        Assert.Equal(6, settlement.Skipped); // 2004, 2008, 2012, 2016, 2020, 2024.
    }
}
