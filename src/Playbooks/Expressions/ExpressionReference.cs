using System.Collections.Immutable;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>
/// A name an expression reads from its scope, with the static part of the member path after it:
/// <c>tasks['extract'].outputs.rows</c> is root <c>tasks</c>, path <c>[extract, outputs, rows]</c>.
/// </summary>
public sealed record ExpressionReference(string Root, ImmutableArray<string> Path, int Offset)
{
    public string Describe() => Path.IsEmpty ? Root : $"{Root}.{string.Join('.', Path)}";
}
