namespace Orleans.Workflow.Runs;

/// <summary>Everything a user sees of a run at one moment. JSON payloads travel as JSON text.</summary>
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
    [property: Id(11)] string? ParamsJson);

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
