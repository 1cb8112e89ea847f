namespace Orleans.Workflow.Playbooks.Binding;

/// <summary>The keys each part of a playbook accepts.</summary>
internal static class Keys
{
    public static readonly string[] Playbook = ["name", "description", "owner", "labels", "params", "on", "concurrency", "timeout", "fail_fast", "defaults", "tasks", "outputs"];
    public static readonly string[] Param = ["type", "default", "options", "description"];
    public static readonly string[] On = ["schedule", "events", "after"];
    public static readonly string[] Schedule = ["cron", "timezone", "catchup", "catchup_window", "overlap", "params"];
    public static readonly string[] After = ["playbook", "status"];
    public static readonly string[] Defaults = ["retry", "timeout"];
    public static readonly string[] Retry = ["attempts", "delay", "backoff", "max_delay"];
    public static readonly string[] Task = ["needs", "if", "trigger_rule", "foreach", "max_parallel", "worker", "steps", "outputs", "timeout", "retry", "description"];
    public static readonly string[] UpstreamNeed = ["playbook", "task", "within", "wait"];
    public static readonly string[] Step = ["id", "uses", "with", "if", "retry", "timeout", "queue_timeout", "heartbeat_timeout", "continue_on_error", "worker", "description"];
}
