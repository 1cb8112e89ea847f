using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>One step of a task: one plugin invocation.</summary>
public sealed record StepSpec(
    string Id,
    string Uses,
    string? UsesVersion,
    ValueTemplate? With,
    Template? If,
    RetryPolicy? Retry,
    TimeSpan? Timeout,
    TimeSpan? QueueTimeout,
    TimeSpan? HeartbeatTimeout,
    bool ContinueOnError,
    string? Worker,
    string? Description,
    SourcePosition Position);
