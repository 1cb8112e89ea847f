using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>A tick a schedule grain logged as fired ("Schedule {key} fired tick {tick}: run {run}"), and the silo that logged it.</summary>
internal sealed record FiredTick(SiloProcess Silo, DateTimeOffset Tick, string RunId);

/// <summary>
/// A settlement of missed ticks a schedule grain logged on activation ("Schedule {key}: {count} tick(s) missed
/// between {from} and {to} not run (catchup {policy})"): <see cref="From"/> is the last tick it had recorded,
/// <see cref="To"/> the moment it settled (now, at its activation), <see cref="Skipped"/> how many ticks in between
/// it did not run.
/// </summary>
internal sealed record SettledGap(SiloProcess Silo, long Skipped, DateTimeOffset From, DateTimeOffset To, string Catchup);

/// <summary>What <c>ScheduleGrain</c> logs at Information, read back from the silo logs (each silo logs what its activations did).</summary>
internal static partial class ScheduleLog
{
    /// <summary>Every tick of <paramref name="schedule"/> fired by an activation on one of <paramref name="silos"/>, in log order per silo.</summary>
    public static List<FiredTick> Fired(IEnumerable<SiloProcess> silos, string schedule) =>
        [.. silos.SelectMany(silo => FiredLine().Matches(silo.Log())
            .Where(m => m.Groups["key"].Value == schedule)
            .Select(m => new FiredTick(silo, DateTimeOffset.Parse(m.Groups["tick"].Value, CultureInfo.InvariantCulture), m.Groups["run"].Value)))];

    /// <summary>Every settlement of missed ticks of <paramref name="schedule"/>, oldest first.</summary>
    public static List<SettledGap> Settled(IEnumerable<SiloProcess> silos, string schedule) =>
        [.. silos.SelectMany(silo => MissedLine().Matches(silo.Log())
            .Where(m => m.Groups["key"].Value == schedule)
            .Select(m => new SettledGap(
                silo,
                long.Parse(m.Groups["count"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(m.Groups["from"].Value, CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(m.Groups["to"].Value, CultureInfo.InvariantCulture),
                m.Groups["catchup"].Value)))
            .OrderBy(s => s.To)];

    [GeneratedRegex(@"Schedule (?<key>\S+) fired tick (?<tick>\S+): run (?<run>\S+)")]
    private static partial Regex FiredLine();

    [GeneratedRegex(@"Schedule (?<key>\S+): (?<count>[\d,]+) tick\(s\) missed between (?<from>\S+) and (?<to>\S+) not run \(catchup (?<catchup>\w+)\)")]
    private static partial Regex MissedLine();
}
