using System.Collections.Immutable;
using Acornima.Ast;
using Jint;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>An expression parsed and prepared once, evaluated many times on pooled engines.</summary>
public sealed class CompiledExpression
{
    internal CompiledExpression(string source, Prepared<Script> prepared, ImmutableArray<ExpressionReference> references)
    {
        Source = source;
        Prepared = prepared;
        References = references;
    }

    /// <summary>The JavaScript between <c>${{</c> and <c>}}</c>.</summary>
    public string Source { get; }

    /// <summary>Every free name it reads, in source order.</summary>
    public ImmutableArray<ExpressionReference> References { get; }

    internal Prepared<Script> Prepared { get; }

    public override string ToString() => Source;
}
