using System.Text.Json.Nodes;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>
/// What an expression can read. Immutable by contract: once evaluated against, its nodes must not change,
/// because engines keep the converted values of the last scope they saw.
/// </summary>
public sealed class ExpressionScope
{
    /// <summary>The names a scope can hold, as expressions see them.</summary>
    public static readonly IReadOnlyList<string> Names = ["params", "run", "tasks", "steps", "item", "index", "secrets"];

    public static readonly ExpressionScope Empty = new();

    public JsonObject? Params { get; init; }

    public JsonObject? Run { get; init; }

    public JsonObject? Tasks { get; init; }

    public JsonObject? Steps { get; init; }

    public JsonNode? Item { get; init; }

    public int? Index { get; init; }

    public IReadOnlyDictionary<string, string>? Secrets { get; init; }
}
