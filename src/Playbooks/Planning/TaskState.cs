namespace Orleans.Workflow.Playbooks.Planning;

/// <summary>The states of a task (and of a run, which may also be paused).</summary>
public enum TaskState
{
    Pending,
    Queued,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
    TimedOut,
}

public static class TaskStates
{
    public static bool IsFinal(this TaskState state) => state >= TaskState.Succeeded;

    /// <summary>Failed for trigger rules: failed, timed out or cancelled.</summary>
    public static bool IsFailure(this TaskState state) => state is TaskState.Failed or TaskState.TimedOut or TaskState.Cancelled;

    /// <summary>The name users see: <c>timed_out</c>, <c>succeeded</c>.</summary>
    public static string Name(this TaskState state) => state switch
    {
        TaskState.TimedOut => "timed_out",
        _ => state.ToString().ToLowerInvariant(),
    };
}
