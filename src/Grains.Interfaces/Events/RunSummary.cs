using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Events;

/// <summary>
/// One run as a list shows it, derived from its history's run-level events. <see cref="Trigger"/> and
/// <see cref="LogicalDate"/> come from its <c>RunStarted</c> event; null for a run whose history predates them.
/// </summary>
[GenerateSerializer]
[Alias("owf.RunSummary")]
public sealed record RunSummary(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Playbook,
    [property: Id(2)] string Version,
    [property: Id(3)] WorkStatus Status,
    [property: Id(4)] string? Owner,
    [property: Id(5)] int Attempt,
    [property: Id(6)] DateTimeOffset StartedAt,
    [property: Id(7)] DateTimeOffset? EndedAt,
    [property: Id(8)] RunTrigger? Trigger = null,
    [property: Id(9)] string? LogicalDate = null);

/// <summary>Which runs to list: newest first, at most <see cref="Limit"/>, filtered by what is given.</summary>
[GenerateSerializer]
[Alias("owf.RunQuery")]
public sealed record RunQuery(
    [property: Id(0)] string? Playbook = null,
    [property: Id(1)] WorkStatus? Status = null,
    [property: Id(2)] DateTimeOffset? Since = null,
    [property: Id(3)] int Limit = 50)
{
    /// <summary>The status a run has after its latest run-level event of <paramref name="kind"/>.</summary>
    public static WorkStatus StatusAfter(RunEventKind kind) => kind switch
    {
        RunEventKind.RunSucceeded => WorkStatus.Succeeded,
        RunEventKind.RunFailed => WorkStatus.Failed,
        RunEventKind.RunCancelled => WorkStatus.Cancelled,
        RunEventKind.RunTimedOut => WorkStatus.TimedOut,
        RunEventKind.RunPaused => WorkStatus.Paused,
        RunEventKind.RunWaiting => WorkStatus.Pending,
        RunEventKind.RunSkipped => WorkStatus.Skipped,
        _ => WorkStatus.Running,
    };

    /// <summary>The run-level event kinds a summary is derived from.</summary>
    public static readonly IReadOnlySet<RunEventKind> RunLevel = new HashSet<RunEventKind>
    {
        RunEventKind.RunStarted, RunEventKind.RunSucceeded, RunEventKind.RunFailed, RunEventKind.RunCancelled,
        RunEventKind.RunTimedOut, RunEventKind.RunPaused, RunEventKind.RunResumed, RunEventKind.RunRetried,
        RunEventKind.RunWaiting, RunEventKind.RunAdmitted, RunEventKind.RunSkipped,
    };
}
