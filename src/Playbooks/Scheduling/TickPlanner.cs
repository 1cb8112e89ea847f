using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Scheduling;

/// <summary>
/// When a schedule (<c>on.schedule</c>) fires: its next tick, and which ticks to start runs for after a time
/// nobody was watching it. Pure: every instant comes in as an argument and every tick goes out in UTC.
/// </summary>
/// <remarks>
/// Ticks are the occurrences Cronos gives for <see cref="ScheduleSpec.Expression"/> in
/// <see cref="ScheduleSpec.TimeZone"/>: a tick that falls into a daylight saving gap fires once at the end of
/// the gap, and in the repeated hour when clocks go back a tick fires in both copies of the hour only when its
/// second, minute or hour field holds a <c>*</c>, a range or a step (such as <c>0 * * * *</c> or <c>30 1-2 * * *</c>);
/// otherwise (such as <c>30 1 * * *</c> or <c>0,30 1 * * *</c>) only in the first.
/// </remarks>
public static class TickPlanner
{
    /// <summary>The first tick strictly after <paramref name="after"/>, or null when the cron expression has no further occurrence.</summary>
    public static DateTimeOffset? Next(ScheduleSpec spec, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ScheduleTicks(spec).Next(after);
    }

    /// <summary>
    /// Settles the ticks that fell due in (<paramref name="after"/>, <paramref name="now"/>] while nothing was watching
    /// the schedule (the cluster was down, the playbook was disabled, the grain was not active), by
    /// <see cref="ScheduleSpec.Catchup"/>:
    /// <list type="bullet">
    /// <item><see cref="CatchupPolicy.None"/>: fire nothing; every due tick is skipped.</item>
    /// <item><see cref="CatchupPolicy.Latest"/>: fire only the most recent due tick; the others are skipped.</item>
    /// <item><see cref="CatchupPolicy.All"/>: fire every due tick at or after <paramref name="now"/> minus
    /// <see cref="ScheduleSpec.CatchupWindow"/>, oldest first; older ones are skipped. At most
    /// <paramref name="limit"/> ticks are fired (the most recent of the eligible ones); the rest count as skipped.</item>
    /// </list>
    /// <see cref="TickSettlement.Watermark"/> is the most recent due tick (null when none fell due): the caller persists
    /// it as its last settled tick.
    /// </summary>
    /// <remarks>
    /// <see cref="TickSettlement.Skipped"/> is always exact. The gap is never enumerated tick by tick: a local day,
    /// hour or minute with no clock change in it holds the same number of ticks as every other such day, hour or
    /// minute that holds any (cron fields are independent), so counting costs about one Cronos lookup per local day
    /// of the gap that has a tick, plus a few hundred at its ends and around clock changes. A per-second schedule
    /// left alone for 30 days settles in milliseconds; the cost grows linearly with the days of the gap, not its ticks.
    /// Only the ticks to fire are enumerated.
    /// </remarks>
    public static TickSettlement SettleMissed(ScheduleSpec spec, DateTimeOffset after, DateTimeOffset now, int limit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (now <= after)
        {
            return TickSettlement.Nothing;
        }

        var ticks = new ScheduleTicks(spec);
        if (ticks.Latest(after, now) is not { } watermark)
        {
            return TickSettlement.Nothing;
        }

        switch (spec.Catchup)
        {
            case CatchupPolicy.None:
                return new TickSettlement([], ticks.Count(after, now), watermark);
            case CatchupPolicy.Latest:
                return new TickSettlement([watermark], ticks.Count(after, now) - 1, watermark);
            case CatchupPolicy.All:
                // (windowStart, now] is [now - window, now] within (after, now]: ticks are whole seconds, one tick less is "at or after".
                var windowStart = now - after <= spec.CatchupWindow ? after : (now - spec.CatchupWindow).AddTicks(-1);
                if (windowStart > now)
                {
                    windowStart = now;
                }

                var eligible = ticks.Count(windowStart, now);
                var fire = ticks.Last(windowStart, now, (int)Math.Min(limit, eligible), eligible);
                var skipped = ticks.Count(after, windowStart) + eligible - fire.Count;
                return new TickSettlement(fire, skipped, watermark);
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Catchup, "unknown catch-up policy");
        }
    }
}

/// <summary>
/// What <see cref="TickPlanner.SettleMissed"/> decided.
/// <see cref="Fire"/>: ticks to start runs for, oldest first, in UTC. <see cref="Skipped"/>: how many due ticks are not fired.
/// <see cref="Watermark"/>: the most recent due tick, which the caller persists as its last settled tick (null when none fell due).
/// </summary>
public sealed record TickSettlement(IReadOnlyList<DateTimeOffset> Fire, long Skipped, DateTimeOffset? Watermark)
{
    public static readonly TickSettlement Nothing = new([], 0, null);
}

/// <summary>The ticks of one schedule, with the counts per day, hour and minute it has learned so far.</summary>
internal sealed class ScheduleTicks
{
    /// <summary>Blocks of local time, largest first, whose tick count is the same for every block of that size that has a tick.</summary>
    private static readonly TimeSpan[] BlockSizes = [TimeSpan.FromDays(1), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)];

    private readonly ScheduleSpec _spec;
    private readonly long?[] _ticksPerBlock = new long?[BlockSizes.Length];

    public ScheduleTicks(ScheduleSpec spec) => _spec = spec;

    /// <summary>The first tick strictly after <paramref name="after"/>, in UTC.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) =>
        _spec.Expression.GetNextOccurrence(after, _spec.TimeZone, inclusive: false)?.ToUniversalTime();

    /// <summary>
    /// The most recent tick in (<paramref name="after"/>, <paramref name="now"/>], found by probing backwards from
    /// <paramref name="now"/> in growing steps (1 s, 2 s, 4 s, ...) and then halving: about 2·log2(gap in seconds) lookups.
    /// </summary>
    public DateTimeOffset? Latest(DateTimeOffset after, DateTimeOffset now)
    {
        if (Next(after) is not { } found || found > now)
        {
            return null;
        }

        // Invariants: found is a tick in (after, now]; no tick lies in (high, now].
        var high = now;
        var step = TimeSpan.FromSeconds(1);
        var growing = true;
        while (true)
        {
            if (Next(found) is not { } following || following > high)
            {
                return found;
            }

            found = following;
            DateTimeOffset probe;
            if (growing && high - found > step)
            {
                probe = high - step;
                step += step;
            }
            else
            {
                growing = false;
                probe = found + TimeSpan.FromTicks((high - found).Ticks / 2);
            }

            if (Next(probe) is { } hit && hit <= high)
            {
                found = hit;
                growing = false;
            }
            else
            {
                high = probe;
            }
        }
    }

    /// <summary>How many ticks lie in (<paramref name="after"/>, <paramref name="until"/>]; exact, without enumerating them.</summary>
    public long Count(DateTimeOffset after, DateTimeOffset until) => Count(after, until, 0);

    /// <summary>
    /// The most recent <paramref name="count"/> ticks in (<paramref name="after"/>, <paramref name="until"/>], oldest first,
    /// given that <paramref name="total"/> ticks lie there. Enumerates fewer than about 2·<paramref name="count"/> ticks.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> Last(DateTimeOffset after, DateTimeOffset until, int count, long total)
    {
        if (count <= 0)
        {
            return [];
        }

        if (total <= count)
        {
            return Enumerate(after, until, 0);
        }

        // Find a start with at least count ticks after it, and not many more: probe back from until in growing steps,
        // then halve. Invariants: Count(start, until] = startCount >= count; Count(high, until] < count.
        var start = after;
        var startCount = total;
        var high = until;
        var step = TimeSpan.FromSeconds(1);
        while (high - start > step)
        {
            var probe = high - step;
            var probeCount = Count(probe, until);
            if (probeCount >= count)
            {
                start = probe;
                startCount = probeCount;
                break;
            }

            high = probe;
            step += step;
        }

        while (startCount > 2L * count && high - start > TimeSpan.FromSeconds(1))
        {
            var middle = start + TimeSpan.FromTicks((high - start).Ticks / 2);
            var middleCount = Count(middle, until);
            if (middleCount >= count)
            {
                start = middle;
                startCount = middleCount;
            }
            else
            {
                high = middle;
            }
        }

        return Enumerate(start, until, startCount - count);
    }

    private List<DateTimeOffset> Enumerate(DateTimeOffset after, DateTimeOffset until, long skip)
    {
        var ticks = new List<DateTimeOffset>();
        if (until <= after)
        {
            return ticks;
        }

        foreach (var tick in _spec.Expression.GetOccurrences(after, until, _spec.TimeZone, fromInclusive: false, toInclusive: true))
        {
            if (skip > 0)
            {
                skip--;
                continue;
            }

            ticks.Add(tick.ToUniversalTime());
        }

        return ticks;
    }

    /// <summary>
    /// Counts the ticks in (<paramref name="after"/>, <paramref name="until"/>], taking whole blocks of size
    /// <see cref="BlockSizes"/>[<paramref name="largest"/>] or smaller at once where their count is known.
    /// </summary>
    private long Count(DateTimeOffset after, DateTimeOffset until, int largest)
    {
        long total = 0;
        var cursor = after;
        while (cursor < until && Next(cursor) is { } tick && tick <= until)
        {
            var counted = false;
            for (var size = largest; size < BlockSizes.Length; size++)
            {
                // A block holding tick, entirely inside (cursor, until]: no tick lies in (cursor, tick), so it holds
                // all of the block's ticks, and a regular block holding any tick holds as many as every other.
                if (TryRegularBlock(tick, BlockSizes[size], out var start, out var end)
                    && start > cursor && end.UtcTicks - 1 <= until.UtcTicks)
                {
                    total += _ticksPerBlock[size] ??= Count(start.AddTicks(-1), end.AddTicks(-1), size + 1);
                    cursor = end.AddTicks(-1);
                    counted = true;
                    break;
                }
            }

            if (!counted)
            {
                total++;
                cursor = tick;
            }
        }

        return total;
    }

    /// <summary>
    /// The block of local time of <paramref name="size"/> holding <paramref name="tick"/>, as UTC [start, end), when the
    /// UTC offset is the same just before, at and just after both of its ends (no clock change in or at it). Its local
    /// times then map one to one to its instants and no tick is moved into it out of a daylight saving gap (Cronos
    /// moves those to the instant the gap ends, where the offset changes). In the repeated hour when clocks go back, a
    /// block of either copy holds every tick its cron fields give or, in the second copy, none (Cronos repeats a tick
    /// there only when its second, minute or hour field holds a <c>*</c>, a range or a step); a block holding
    /// <paramref name="tick"/> is never the latter.
    /// </summary>
    private bool TryRegularBlock(DateTimeOffset tick, TimeSpan size, out DateTimeOffset start, out DateTimeOffset end)
    {
        var zone = _spec.TimeZone;
        var local = TimeZoneInfo.ConvertTime(tick, zone);
        var offset = local.Offset;
        var localTicks = local.DateTime.Ticks;
        var startTicks = localTicks - (localTicks % size.Ticks) - offset.Ticks;
        if (startTicks <= TimeSpan.TicksPerDay || startTicks >= DateTime.MaxValue.Ticks - (2 * TimeSpan.TicksPerDay))
        {
            start = end = default;
            return false;
        }

        start = new DateTimeOffset(startTicks, TimeSpan.Zero);
        end = start + size;
        return zone.GetUtcOffset(start.AddTicks(-1)) == offset
            && zone.GetUtcOffset(start) == offset
            && zone.GetUtcOffset(end.AddTicks(-1)) == offset
            && zone.GetUtcOffset(end) == offset;
    }
}
