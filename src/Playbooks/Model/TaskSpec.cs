using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>A task: a sequence of steps, ordered against other tasks only by <see cref="Needs"/>.</summary>
public sealed record TaskSpec(
    string Id,
    ImmutableArray<TaskNeed> Needs,
    ImmutableArray<UpstreamNeed> Upstream,
    Template? If,
    TriggerRule TriggerRule,
    ValueTemplate? Foreach,
    int? MaxParallel,
    string? Worker,
    ImmutableArray<StepSpec> Steps,
    ImmutableArray<OutputSpec> Outputs,
    TimeSpan? Timeout,
    RetryPolicy? Retry,
    string? Description,
    SourcePosition Position)
{
    public bool IsForeach => Foreach is not null;
}

/// <summary>A task of the same playbook that must end before this one is planned.</summary>
public sealed record TaskNeed(string Task, SourcePosition Position);

/// <summary>A task of another playbook that must have succeeded within <see cref="Within"/>; waited for up to <see cref="Wait"/>.</summary>
public sealed record UpstreamNeed(string Playbook, string Task, TimeSpan Within, TimeSpan Wait, SourcePosition Position);

/// <summary>A named output: an expression evaluated when its owner is done.</summary>
public sealed record OutputSpec(string Name, ValueTemplate Value, SourcePosition Position);
