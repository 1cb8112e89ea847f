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
    /// <summary>Whether the work is over and stays so (a retried run starts an attempt of its own). Named, not by enum order.</summary>
    public static bool IsFinal(this WorkStatus status) => status switch
    {
        WorkStatus.Succeeded or WorkStatus.Failed or WorkStatus.Skipped or WorkStatus.Cancelled or WorkStatus.TimedOut => true,
        _ => false, // pending, queued, running, paused (and a status a newer build may add: not over here)
    };

    /// <summary>The name in snapshots and events: <c>timed_out</c>, <c>succeeded</c>.</summary>
    public static string Name(this WorkStatus status) => status == WorkStatus.TimedOut ? "timed_out" : status.ToString().ToLowerInvariant();
}
