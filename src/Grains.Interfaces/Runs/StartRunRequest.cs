using Orleans.Concurrency;
namespace Orleans.Workflow.Runs;

/// <summary>
/// Start a run of a registered playbook. <see cref="ParamsJson"/> is a JSON object; text values are
/// coerced to the params' types. The run id is the caller's idempotency key: starting twice with the same
/// id returns the same run.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.StartRunRequest")]
public sealed record StartRunRequest(
    [property: Id(0)] string Playbook,
    [property: Id(1)] string? Version,
    [property: Id(2)] string ParamsJson,
    [property: Id(3)] TriggerInfo Trigger,
    [property: Id(4)] TimeSpan? Timeout = null,
    [property: Id(5)] ParentRef? Parent = null);

/// <summary>
/// What started a run (<see cref="TriggerKind"/>).
/// <see cref="ScheduledAt"/>: a schedule's tick. <see cref="EventJson"/>: an event's payload, or for <c>after</c> the
/// upstream run (<c>{playbook, run, status, outputs}</c>). <see cref="Schedule"/>: the index of the <c>on.schedule</c>
/// entry that fired (its <c>overlap</c> rule applies). <see cref="Name"/>: the event's name, or the upstream playbook.
/// <see cref="LogicalDate"/>: a tick's date in its schedule's time zone (<c>run.logical_date</c>).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.TriggerInfo")]
public sealed record TriggerInfo(
    [property: Id(0)] TriggerKind Kind,
    [property: Id(1)] DateTimeOffset? ScheduledAt = null,
    [property: Id(2)] string? EventJson = null,
    [property: Id(3)] int? Schedule = null,
    [property: Id(4)] string? Name = null,
    [property: Id(5)] string? EventId = null,
    [property: Id(6)] string? LogicalDate = null)
{
    public static readonly TriggerInfo Manual = new(TriggerKind.Manual);
}

/// <summary>What started a run; its name (<see cref="TriggerKinds.Name"/>) is what users read as <c>run.trigger.kind</c>.</summary>
[GenerateSerializer]
[Alias("owf.TriggerKind")]
public enum TriggerKind
{
    /// <summary>A user or a client (<c>owf run</c>, <c>StartAsync</c>).</summary>
    Manual,

    /// <summary>A tick of an <c>on.schedule</c> entry (or a manual tick of one).</summary>
    Schedule,

    /// <summary>A published event (<c>on.event</c>).</summary>
    Event,

    /// <summary>An upstream run that ended (<c>on.after</c>).</summary>
    After,

    /// <summary>A parent run's <c>playbook</c> step.</summary>
    Playbook,
}

/// <summary>The names users read for each <see cref="TriggerKind"/>.</summary>
public static class TriggerKinds
{
    public static string Name(this TriggerKind kind) => kind switch
    {
        TriggerKind.Manual => "manual",
        TriggerKind.Schedule => "schedule",
        TriggerKind.Event => "event",
        TriggerKind.After => "after",
        TriggerKind.Playbook => "playbook",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown trigger kind"),
    };
}

/// <summary>The step of a parent run that started this run as a child.</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.ParentRef")]
public sealed record ParentRef([property: Id(0)] string RunId, [property: Id(1)] string StepKey);
