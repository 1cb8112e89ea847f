using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Workflow.Runs;

/// <summary>
/// Everything a user sees of a run at one moment. JSON payloads travel as JSON text. <see cref="Trigger"/>: what
/// started the run; <see cref="LogicalDate"/>: its <c>run.logical_date</c> (<c>yyyy-MM-dd</c>). Both are null for a
/// run whose state was written before they were kept.
/// </summary>
[GenerateSerializer]
[Alias("owf.RunSnapshot")]
public sealed record RunSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Playbook,
    [property: Id(2)] string Version,
    [property: Id(3)] WorkStatus Status,
    [property: Id(4)] string? Owner,
    [property: Id(5)] string? OutputsJson,
    [property: Id(6)] RunError? Error,
    [property: Id(7)] IReadOnlyList<TaskSnapshot> Tasks,
    [property: Id(8)] DateTimeOffset? StartedAt,
    [property: Id(9)] DateTimeOffset? EndedAt,
    [property: Id(10)] int Attempt,
    [property: Id(11)] string? ParamsJson,
    [property: Id(12)] RunTrigger? Trigger = null,
    [property: Id(13)] string? LogicalDate = null);

/// <summary>
/// What started a run, as users read it (<c>trigger</c> in <c>owf status --json</c> and <c>owf runs --json</c>).
/// <see cref="ScheduledAt"/>: a schedule's tick. <see cref="EventJson"/>: an event's payload (<c>event</c> runs only).
/// <see cref="Name"/>: the event's name, the upstream playbook of an <c>after</c> run, or <c>manual</c> for a schedule
/// tick started by hand. <see cref="After"/>: the upstream run that ended (<c>after</c> runs only).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.RunTrigger")]
public sealed record RunTrigger(
    [property: Id(0)] TriggerKind Kind,
    [property: Id(1)] DateTimeOffset? ScheduledAt = null,
    [property: Id(2)] string? EventJson = null,
    [property: Id(3)] string? Name = null,
    [property: Id(4)] UpstreamRun? After = null)
{
    /// <summary>The view of what a run was started with (an <c>after</c> run's payload is <c>{playbook, run, attempt, status, outputs}</c>).</summary>
    public static RunTrigger Of(TriggerInfo trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return trigger.Kind switch
        {
            TriggerKind.Event => new RunTrigger(trigger.Kind, trigger.ScheduledAt, trigger.EventJson, trigger.Name),
            TriggerKind.After => new RunTrigger(trigger.Kind, trigger.ScheduledAt, null, trigger.Name, UpstreamRun.FromJson(Parse(trigger.EventJson))),
            _ => new RunTrigger(trigger.Kind, trigger.ScheduledAt, null, trigger.Name),
        };
    }

    /// <summary><c>{"kind", "scheduled_at", "event", "name", "after": {"playbook", "run", "attempt", "status"}}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["kind"] = Kind.Name(),
        ["scheduled_at"] = ScheduledAt?.ToString("O", CultureInfo.InvariantCulture),
        ["event"] = Parse(EventJson),
        ["name"] = Name,
        ["after"] = After?.ToJson(),
    };

    /// <summary>
    /// Reads what <see cref="ToJson"/> wrote; a bare kind name (what older run histories kept) gives the kind alone;
    /// anything else is null.
    /// </summary>
    public static RunTrigger? FromJson(JsonNode? node)
    {
        if (node is JsonValue bare)
        {
            return KindOf(bare) is { } kind ? new RunTrigger(kind) : null;
        }

        if (node is not JsonObject json || KindOf(json["kind"]) is not { } found)
        {
            return null;
        }

        DateTimeOffset? scheduledAt = Text(json["scheduled_at"]) is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var tick)
            ? tick
            : null;
        return new RunTrigger(found, scheduledAt, json["event"]?.ToJsonString(), Text(json["name"]), UpstreamRun.FromJson(json["after"]));
    }

    internal static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    internal static JsonNode? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static TriggerKind? KindOf(JsonNode? node) =>
        Text(node) is { } name && Enum.GetValues<TriggerKind>().Where(k => k.Name() == name).ToList() is [var kind] ? kind : null;
}

/// <summary>The upstream run whose end started an <c>after</c> run.</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.UpstreamRun")]
public sealed record UpstreamRun(
    [property: Id(0)] string Playbook,
    [property: Id(1)] string RunId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] WorkStatus Status)
{
    /// <summary><c>{"playbook", "run", "attempt", "status"}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["playbook"] = Playbook,
        ["run"] = RunId,
        ["attempt"] = Attempt,
        ["status"] = Status.Name(),
    };

    /// <summary>Reads <c>{"playbook", "run", "attempt", "status"}</c> (other keys are ignored); null when one is missing.</summary>
    public static UpstreamRun? FromJson(JsonNode? node)
    {
        if (node is not JsonObject json
            || RunTrigger.Text(json["playbook"]) is not { } playbook
            || RunTrigger.Text(json["run"]) is not { } run
            || RunTrigger.Text(json["status"]) is not { } statusName
            || Enum.GetValues<WorkStatus>().Where(s => s.Name() == statusName).ToList() is not [var status])
        {
            return null;
        }

        var attempt = json["attempt"] is JsonValue a && a.GetValueKind() == JsonValueKind.Number && int.TryParse(a.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
        return new UpstreamRun(playbook, run, attempt, status);
    }
}

/// <summary>Why a run failed: the first task that failed, its step and its error.</summary>
[GenerateSerializer]
[Alias("owf.RunError")]
public sealed record RunError(
    [property: Id(0)] string Message,
    [property: Id(1)] string? Task,
    [property: Id(2)] string? Step,
    [property: Id(3)] int? Index);

[GenerateSerializer]
[Alias("owf.TaskSnapshot")]
public sealed record TaskSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] WorkStatus Status,
    [property: Id(2)] string? Reason,
    [property: Id(3)] string? OutputsJson,
    [property: Id(4)] IReadOnlyList<StepSnapshot> Steps,
    [property: Id(5)] IReadOnlyList<InstanceSnapshot>? Instances,
    [property: Id(6)] DateTimeOffset? StartedAt,
    [property: Id(7)] DateTimeOffset? EndedAt,
    [property: Id(8)] string? Error);

[GenerateSerializer]
[Alias("owf.InstanceSnapshot")]
public sealed record InstanceSnapshot(
    [property: Id(0)] int Index,
    [property: Id(1)] string ItemJson,
    [property: Id(2)] WorkStatus Status,
    [property: Id(3)] string? OutputsJson,
    [property: Id(4)] IReadOnlyList<StepSnapshot> Steps);

[GenerateSerializer]
[Alias("owf.StepSnapshot")]
public sealed record StepSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] WorkStatus Status,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? OutputJson,
    [property: Id(4)] string? Error,
    [property: Id(5)] DateTimeOffset? StartedAt,
    [property: Id(6)] DateTimeOffset? EndedAt,
    [property: Id(7)] string? Reason);
