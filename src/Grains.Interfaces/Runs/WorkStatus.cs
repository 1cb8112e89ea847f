namespace Orleans.Workflow.Runs;

/// <summary>The state of a run, a task, a foreach instance or a step, as users see it.</summary>
[GenerateSerializer]
[Alias("owf.WorkStatus")]
public enum WorkStatus
{
    Pending,
    Queued,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
    TimedOut,
    Paused,
}

public static class WorkStatuses
{
    public static bool IsFinal(this WorkStatus status) => status is >= WorkStatus.Succeeded and < WorkStatus.Paused;

    /// <summary>The name in snapshots and events: <c>timed_out</c>, <c>succeeded</c>.</summary>
    public static string Name(this WorkStatus status) => status == WorkStatus.TimedOut ? "timed_out" : status.ToString().ToLowerInvariant();
}
