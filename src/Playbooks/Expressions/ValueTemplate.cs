using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>
/// Free-form user data (a step's <c>with:</c>, a default, an output) with expressions allowed at any depth.
/// Subtrees without expressions are kept as plain JSON and copied when rendered.
/// </summary>
public abstract record ValueTemplate(SourcePosition Position)
{
    /// <summary>Renders the value against <paramref name="scope"/>.</summary>
    public abstract JsonNode? Render(ExpressionEngine engine, ExpressionScope scope);

    /// <summary>Every template inside, with its position.</summary>
    public abstract IEnumerable<(Template Template, SourcePosition Position)> Templates();

    public bool IsConstant => !Templates().Any();
}

public sealed record LiteralValue(JsonNode? Value, SourcePosition Position) : ValueTemplate(Position)
{
    public override JsonNode? Render(ExpressionEngine engine, ExpressionScope scope) => Value?.DeepClone();

    public override IEnumerable<(Template Template, SourcePosition Position)> Templates() => [];
}

public sealed record TemplateValue(Template Template, SourcePosition Position) : ValueTemplate(Position)
{
    public override JsonNode? Render(ExpressionEngine engine, ExpressionScope scope) => Template.Evaluate(engine, scope);

    public override IEnumerable<(Template Template, SourcePosition Position)> Templates() => [(Template, Position)];
}

public sealed record ListValue(ImmutableArray<ValueTemplate> Items, SourcePosition Position) : ValueTemplate(Position)
{
    public override JsonNode? Render(ExpressionEngine engine, ExpressionScope scope)
    {
        var array = new JsonArray();
        foreach (var item in Items)
        {
            array.Add(item.Render(engine, scope));
        }

        return array;
    }

    public override IEnumerable<(Template Template, SourcePosition Position)> Templates() => Items.SelectMany(i => i.Templates());
}

public sealed record MapValue(ImmutableArray<KeyValuePair<string, ValueTemplate>> Entries, SourcePosition Position) : ValueTemplate(Position)
{
    public ValueTemplate? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;

    public override JsonNode? Render(ExpressionEngine engine, ExpressionScope scope)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in Entries)
        {
            obj[key] = value.Render(engine, scope);
        }

        return obj;
    }

    public override IEnumerable<(Template Template, SourcePosition Position)> Templates() => Entries.SelectMany(e => e.Value.Templates());
}
