using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// What one tick of a schedule entry starts: the run id made of (playbook, entry, tick), the logical date in the
/// entry's time zone, the entry's params rendered with <c>run.*</c> of that tick, and the trigger it records. Pure:
/// a re-fire after a crash computes the same run id and so finds the run instead of starting another.
/// </summary>
public static class ScheduleTick
{
    /// <summary>Ends the run id of a tick fired by hand, so it never takes the run of a scheduled tick of the same second.</summary>
    public const string ManualSuffix = "-manual";

    /// <summary>The run id of a tick: <c>{playbook}-s{entry}-{tick, UTC, to the second}</c>.</summary>
    public static string RunIdOf(string playbook, int index, DateTimeOffset tick) =>
        $"{playbook}-s{index.ToString(CultureInfo.InvariantCulture)}-{tick.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>The run id of a tick, fired by hand or on schedule.</summary>
    public static string RunIdOf(ScheduleConfig config, DateTimeOffset tick, bool manual) =>
        RunIdOf(config.Playbook, config.Index, tick) + (manual ? ManualSuffix : string.Empty);

    /// <summary>The tick of a manual trigger at <paramref name="now"/>: now, to the second.</summary>
    public static DateTimeOffset ManualTick(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The request that starts the run of <paramref name="tick"/> (at <paramref name="now"/>).</summary>
    /// <exception cref="ExpressionException">The entry's params cannot be rendered.</exception>
    public static StartRunRequest Request(ScheduleConfig config, ScheduleSpec spec, DateTimeOffset tick, bool manual, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(spec);
        var logicalDate = tick.ToOffset(spec.TimeZone.GetUtcOffset(tick)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var run = new JsonObject
        {
            ["id"] = RunIdOf(config, tick, manual),
            ["playbook"] = config.Playbook,
            ["version"] = config.Version,
            ["attempt"] = 1,
            ["started_at"] = Iso(now),
            ["logical_date"] = logicalDate,
            ["trigger"] = new JsonObject { ["kind"] = "schedule", ["scheduled_at"] = Iso(tick) },
        };
        var parameters = new JsonObject();
        foreach (var (name, value) in spec.Params)
        {
            parameters[name] = value.Render(ExpressionEngine.Shared, ScopeData.ToScope(new JsonObject { ["run"] = run.DeepClone() }));
        }

        var trigger = new TriggerInfo(TriggerKind.Schedule, tick, Schedule: config.Index, Name: manual ? "manual" : null, LogicalDate: logicalDate);
        return new StartRunRequest(config.Playbook, null, parameters.ToJsonString(), trigger);
    }

    public static string Iso(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);
}
