using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Tasks;

/// <summary>Persisted state of one task of a run: its instances (one, or one per foreach item) and their steps.</summary>
[GenerateSerializer]
[Alias("owf.TaskGrainState")]
public sealed class TaskGrainState
{
    [Id(0)]
    public StartTask? Command { get; set; }

    [Id(1)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    [Id(2)]
    public WorkReason? Reason { get; set; }

    [Id(3)]
    public string? Error { get; set; }

    [Id(4)]
    public string? FailedStep { get; set; }

    [Id(5)]
    public int? FailedIndex { get; set; }

    [Id(6)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(7)]
    public DateTimeOffset? EndedAt { get; set; }

    [Id(8)]
    public string? OutputsJson { get; set; }

    [Id(9)]
    public bool IsForeach { get; set; }

    [Id(10)]
    public List<InstanceState> Instances { get; set; } = [];

    /// <summary>Paused by its run: no step or instance starts; the next ones wait with no dispatch time.</summary>
    [Id(11)]
    public bool Paused { get; set; }
}

/// <summary>One foreach instance (or the only instance, index -1, of a plain task).</summary>
[GenerateSerializer]
[Alias("owf.InstanceState")]
public sealed class InstanceState
{
    [Id(0)]
    public int Index { get; set; }

    [Id(1)]
    public string ItemJson { get; set; } = "null";

    [Id(2)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    /// <summary>Position of the step that runs now (or runs next).</summary>
    [Id(3)]
    public int Next { get; set; }

    [Id(4)]
    public List<StepRecord> Steps { get; set; } = [];

    [Id(5)]
    public string? OutputsJson { get; set; }

    [Id(6)]
    public DateTimeOffset? DispatchedAt { get; set; }

    [Id(7)]
    public string? Error { get; set; }

    /// <summary>When the task's <c>timeout</c> ends this instance (counted from its start), or null.</summary>
    [Id(8)]
    public DateTimeOffset? Deadline { get; set; }
}

/// <summary>
/// How a step of an instance ended, as its step grain reported it, or as the task ran it inline
/// (<see cref="Inline"/>: then this record is all there is of the step, and its snapshot comes from here).
/// </summary>
[GenerateSerializer]
[Alias("owf.StepRecord")]
public sealed record StepRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] WorkStatus Status,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? OutputJson,
    [property: Id(4)] string? Error,
    [property: Id(5)] DateTimeOffset? EndedAt,
    [property: Id(6)] DateTimeOffset? StartedAt = null,
    [property: Id(7)] WorkReason? Reason = null,
    [property: Id(8)] bool Inline = false);
