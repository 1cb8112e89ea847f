using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>A typed input of a playbook. No default means required.</summary>
public sealed record ParamSpec(
    string Name,
    ParamType Type,
    ValueTemplate? Default,
    ImmutableArray<string> Options,
    string? Description,
    SourcePosition Position)
{
    public bool Required => Default is null;
}
