namespace Orleans.Workflow.Runs;

/// <summary>Why a task or step ended as it did when its status alone does not say (skipped, cancelled, failed as stale).</summary>
[GenerateSerializer]
[Alias("owf.WorkReason")]
public enum WorkReason
{
    /// <summary>Its <c>if</c> was false (skipped).</summary>
    Condition = 0,

    /// <summary>An upstream task failed, timed out or was cancelled, and its trigger rule needs success (skipped).</summary>
    UpstreamFailed = 1,

    /// <summary>An upstream task was skipped, and its trigger rule needs success (skipped).</summary>
    UpstreamSkipped = 2,

    /// <summary>Its upstream tasks ended in a way its trigger rule does not run on (skipped).</summary>
    TriggerRule = 3,

    /// <summary>Its run was stopped (cancelled, timed out, or <c>fail_fast</c>) before it ended (cancelled).</summary>
    Cancelled = 4,

    /// <summary>A task of another playbook it needs had no fresh success within its <c>wait</c> (failed).</summary>
    UpstreamStale = 5,
}

public static class WorkReasons
{
    /// <summary>The name users see in snapshots and events: <c>upstream_failed</c>, <c>condition</c>.</summary>
    public static string Name(this WorkReason reason) => reason switch
    {
        WorkReason.Condition => "condition",
        WorkReason.UpstreamFailed => "upstream_failed",
        WorkReason.UpstreamSkipped => "upstream_skipped",
        WorkReason.TriggerRule => "trigger_rule",
        WorkReason.Cancelled => "cancelled",
        WorkReason.UpstreamStale => "upstream_stale",
        _ => reason.ToString().ToLowerInvariant(),
    };
}
