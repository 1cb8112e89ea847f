namespace Orleans.Workflow.Playbooks.Planning;

/// <summary>Why a task was skipped; <see cref="SkipReasons.Name"/> gives the name users see.</summary>
public enum SkipReason
{
    /// <summary>An upstream task failed (or timed out, or was cancelled) and the trigger rule needs success.</summary>
    UpstreamFailed,

    /// <summary>An upstream task was skipped and the trigger rule needs success.</summary>
    UpstreamSkipped,

    /// <summary>The upstream tasks ended in a way the trigger rule does not run on.</summary>
    TriggerRule,

    /// <summary>The task's <c>if</c> was false.</summary>
    Condition,
}

public static class SkipReasons
{
    public static string Name(this SkipReason reason) => reason switch
    {
        SkipReason.UpstreamFailed => "upstream_failed",
        SkipReason.UpstreamSkipped => "upstream_skipped",
        SkipReason.TriggerRule => "trigger_rule",
        SkipReason.Condition => "condition",
        _ => reason.ToString(),
    };
}
