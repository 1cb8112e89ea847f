namespace Orleans.Workflow.Playbooks.Model;

public enum ParamType
{
    String,
    Int,
    Number,
    Bool,
    Date,
    DateTime,
    Duration,
    Choice,
    List,
    Object,
}

/// <summary>When a task runs, given how the tasks it needs ended.</summary>
public enum TriggerRule
{
    AllSuccess,
    AllDone,
    AllFailed,
    OneFailed,
    OneSuccess,
    NoneFailed,
}

/// <summary>What a schedule does with ticks missed while the cluster was down or the playbook disabled.</summary>
public enum CatchupPolicy
{
    None,
    Latest,
    All,
}

/// <summary>What a schedule does when a run of the playbook is still active at a tick.</summary>
public enum OverlapPolicy
{
    Skip,
    Queue,
    Allow,
}

/// <summary>How a run ended, as named by <c>on.after</c>.</summary>
public enum RunOutcome
{
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}
