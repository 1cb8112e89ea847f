using System.Collections.Immutable;
using Cronos;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>What starts a playbook by itself (<c>on:</c>).</summary>
public sealed record Triggers(
    ImmutableArray<ScheduleSpec> Schedules,
    ImmutableArray<string> Events,
    ImmutableArray<AfterSpec> After)
{
    public static readonly Triggers Empty = new([], [], []);
}

/// <summary>One <c>on.schedule</c> entry.</summary>
public sealed record ScheduleSpec(
    string Cron,
    CronExpression Expression,
    string TimeZoneId,
    TimeZoneInfo TimeZone,
    CatchupPolicy Catchup,
    TimeSpan CatchupWindow,
    OverlapPolicy Overlap,
    ImmutableArray<KeyValuePair<string, ValueTemplate>> Params,
    SourcePosition Position)
{
    public static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(1);
}

/// <summary>One <c>on.after</c> entry: start when a run of <see cref="Playbook"/> ends in one of <see cref="Statuses"/>.</summary>
public sealed record AfterSpec(string Playbook, ImmutableArray<RunOutcome> Statuses, SourcePosition Position);
