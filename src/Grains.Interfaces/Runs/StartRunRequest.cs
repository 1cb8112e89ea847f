namespace Orleans.Workflow.Runs;

/// <summary>
/// Start a run of a registered playbook. <see cref="ParamsJson"/> is a JSON object; text values are
/// coerced to the params' types. The run id is the caller's idempotency key: starting twice with the same
/// id returns the same run.
/// </summary>
[GenerateSerializer]
[Alias("owf.StartRunRequest")]
public sealed record StartRunRequest(
    [property: Id(0)] string Playbook,
    [property: Id(1)] string? Version,
    [property: Id(2)] string ParamsJson,
    [property: Id(3)] TriggerInfo Trigger,
    [property: Id(4)] TimeSpan? Timeout = null,
    [property: Id(5)] ParentRef? Parent = null);

/// <summary>
/// What started a run: <c>manual</c>, <c>schedule</c>, <c>event</c>, <c>after</c> or <c>playbook</c> (a parent run).
/// <see cref="ScheduledAt"/>: a schedule's tick. <see cref="EventJson"/>: an event's payload, or for <c>after</c> the
/// upstream run (<c>{playbook, run, status, outputs}</c>). <see cref="Schedule"/>: the index of the <c>on.schedule</c>
/// entry that fired (its <c>overlap</c> rule applies). <see cref="Name"/>: the event's name, or the upstream playbook.
/// <see cref="LogicalDate"/>: a tick's date in its schedule's time zone (<c>run.logical_date</c>).
/// </summary>
[GenerateSerializer]
[Alias("owf.TriggerInfo")]
public sealed record TriggerInfo(
    [property: Id(0)] string Kind,
    [property: Id(1)] DateTimeOffset? ScheduledAt = null,
    [property: Id(2)] string? EventJson = null,
    [property: Id(3)] int? Schedule = null,
    [property: Id(4)] string? Name = null,
    [property: Id(5)] string? EventId = null,
    [property: Id(6)] string? LogicalDate = null)
{
    public static readonly TriggerInfo Manual = new("manual");
}

/// <summary>The step of a parent run that started this run as a child.</summary>
[GenerateSerializer]
[Alias("owf.ParentRef")]
public sealed record ParentRef([property: Id(0)] string RunId, [property: Id(1)] string StepKey);
