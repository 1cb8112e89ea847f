using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Events;

/// <summary>
/// Something that happened in a run, published on the run's <c>run-events</c> stream. <see cref="Id"/> is
/// unique and stable, so a subscriber that sees an event twice can tell.
/// </summary>
[GenerateSerializer]
[Alias("owf.RunEvent")]
public sealed record RunEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string RunId,
    [property: Id(2)] RunEventKind Kind,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string? Task = null,
    [property: Id(5)] int? Index = null,
    [property: Id(6)] string? Step = null,
    [property: Id(7)] int? Attempt = null,
    [property: Id(8)] string? Message = null,
    [property: Id(9)] string? Owner = null,
    [property: Id(10)] string? DataJson = null)
{
    /// <summary>The stream namespace of run events; the stream key is the run id.</summary>
    public const string StreamNamespace = "run-events";

    /// <summary>The name of the stream provider that carries them.</summary>
    public const string StreamProvider = "workflow-events";
}

[GenerateSerializer]
[Alias("owf.RunEventKind")]
public enum RunEventKind
{
    RunStarted,
    RunSucceeded,
    RunFailed,
    RunCancelled,
    RunTimedOut,
    TaskQueued,
    TaskStarted,
    TaskSucceeded,
    TaskFailed,
    TaskSkipped,
    TaskCancelled,
    TaskTimedOut,
    StepStarted,
    StepSucceeded,
    StepFailed,
    StepRetryScheduled,
    StepSkipped,
    StepCancelled,
    StepTimedOut,
    StepLog,
    RunPaused,
    RunResumed,
    RunRetried,

    /// <summary>The run waits for a slot (<c>concurrency</c>) or for the previous run (<c>overlap: queue</c>); status pending.</summary>
    RunWaiting,

    /// <summary>A waiting run got its slot and starts.</summary>
    RunAdmitted,

    /// <summary>A scheduled run was skipped (<c>overlap: skip</c>, another run of the playbook was active); it ends <c>skipped</c>.</summary>
    RunSkipped,

    /// <summary>A task waits (status pending) for a fresh success of a task of another playbook.</summary>
    TaskWaiting,
}

/// <summary>Which part of a run a status belongs to.</summary>
public enum WorkLevel
{
    Run,
    Task,
    Step,
}

public static class RunEventKinds
{
    /// <summary>
    /// The one event that says a run, task or step ended with <paramref name="status"/>. A run or task that did
    /// not succeed, skip, get cancelled or time out failed; a run is never skipped by its tasks (an overlap skip
    /// has its own event, <see cref="RunEventKind.RunSkipped"/>).
    /// </summary>
    public static RunEventKind Ended(WorkLevel level, WorkStatus status) => (level, status) switch
    {
        (WorkLevel.Run, WorkStatus.Succeeded) => RunEventKind.RunSucceeded,
        (WorkLevel.Run, WorkStatus.Cancelled) => RunEventKind.RunCancelled,
        (WorkLevel.Run, WorkStatus.TimedOut) => RunEventKind.RunTimedOut,
        (WorkLevel.Run, _) => RunEventKind.RunFailed,
        (WorkLevel.Task, WorkStatus.Succeeded) => RunEventKind.TaskSucceeded,
        (WorkLevel.Task, WorkStatus.Skipped) => RunEventKind.TaskSkipped,
        (WorkLevel.Task, WorkStatus.Cancelled) => RunEventKind.TaskCancelled,
        (WorkLevel.Task, WorkStatus.TimedOut) => RunEventKind.TaskTimedOut,
        (WorkLevel.Task, _) => RunEventKind.TaskFailed,
        (_, WorkStatus.Succeeded) => RunEventKind.StepSucceeded,
        (_, WorkStatus.Skipped) => RunEventKind.StepSkipped,
        (_, WorkStatus.Cancelled) => RunEventKind.StepCancelled,
        (_, WorkStatus.TimedOut) => RunEventKind.StepTimedOut,
        _ => RunEventKind.StepFailed,
    };
}
