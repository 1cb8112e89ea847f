using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Binding;

/// <summary>The binder's primitives: reading typed values from nodes and reporting what was expected.</summary>
internal sealed partial class PlaybookBinder
{
    private void Error(YamlNode node, string message) => Error(node.Position, message);

    private void Error(SourcePosition position, string message) => _diagnostics.Add(new Diagnostic(file, position, message));

    private void Expected(YamlNode node, string expected, string what) =>
        Error(node, $"{what}: expected {expected}, found {node.Describe()}");

    private static bool IsNull(YamlNode node) => node is YamlScalar { IsNull: true };

    private void CheckKeys(YamlMapping map, string[] allowed, string what)
    {
        foreach (var (key, _) in map.Entries)
        {
            if (Array.IndexOf(allowed, key.Value) < 0)
            {
                Error(key, $"unknown key '{key.Value}' in {what}{Suggestions.Hint(key.Value, allowed)}; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    private string? RequiredText(YamlMapping map, string key, string what)
    {
        var node = map[key];
        if (node is null)
        {
            Error(map, $"{what} has no '{key}'");
            return null;
        }

        return Text(node, $"'{key}'");
    }

    private string? OptionalText(YamlMapping map, string key) => map[key] is { } node && !IsNull(node) ? Text(node, $"'{key}'") : null;

    private string? Text(YamlNode node, string what)
    {
        if (node is YamlScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Expected(node, "text", what);
        return null;
    }

    private int? OptionalInt(YamlMapping map, string key, int minimum = int.MinValue, int maximum = int.MaxValue)
    {
        if (map[key] is not { } node || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalar scalar && YamlScalars.TryInteger(scalar, out var value))
        {
            if (value < minimum || value > maximum)
            {
                var range = maximum == int.MaxValue && value < minimum ? $"at least {minimum}" : $"from {minimum} to {maximum}";
                Error(node, $"'{key}' must be {range}, found {value}");
                return null;
            }

            return (int)value;
        }

        Expected(node, "a whole number", $"'{key}'");
        return null;
    }

    private double? OptionalNumber(YamlMapping map, string key)
    {
        if (map[key] is not { } node || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalar scalar && YamlScalars.TryFloat(scalar, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Expected(node, "a number", $"'{key}'");
        return null;
    }

    private bool? OptionalBool(YamlMapping map, string key)
    {
        if (map[key] is not { } node || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalar scalar && YamlScalars.TryBool(scalar, out var value))
        {
            return value;
        }

        Expected(node, "true or false", $"'{key}'");
        return null;
    }

    private TimeSpan? OptionalDuration(YamlMapping map, string key) =>
        map[key] is { } node && !IsNull(node) ? DurationOf(node, $"'{key}'") : null;

    private TimeSpan? DurationOf(YamlNode node, string what)
    {
        if (node is YamlScalar scalar && Duration.TryParse(scalar.Value, out var value))
        {
            return value;
        }

        Expected(node, "a duration such as 500ms, 30s, 5m, 2h, 1d, 1h30m or PT30S", what);
        return null;
    }

    /// <summary>A list of text, also accepting a single text for a one-item list.</summary>
    private List<YamlScalar> TextList(YamlNode node, string what)
    {
        var items = node switch
        {
            YamlSequence sequence => sequence.Items,
            YamlScalar { IsNull: false } => [node],
            _ => [],
        };
        if (node is not YamlSequence and not YamlScalar { IsNull: false })
        {
            Expected(node, "a list of text", what);
        }

        var result = new List<YamlScalar>();
        foreach (var item in items)
        {
            if (item is YamlScalar { IsNull: false } scalar)
            {
                result.Add(scalar);
            }
            else
            {
                Expected(item, "text", what);
            }
        }

        return result;
    }

    /// <summary>Free-form data with expressions at any depth.</summary>
    private ValueTemplate BindValue(YamlNode node)
    {
        switch (node)
        {
            case YamlScalar scalar when Template.MayContainExpression(scalar.Value):
                var template = BindTemplate(scalar);
                if (template is null)
                {
                    return new LiteralValue(System.Text.Json.Nodes.JsonValue.Create(scalar.Value), scalar.Position);
                }

                return template.IsLiteral
                    ? new LiteralValue(System.Text.Json.Nodes.JsonValue.Create(template.LiteralText), scalar.Position)
                    : new TemplateValue(template, scalar.Position);
            case YamlScalar scalar:
                return new LiteralValue(YamlScalars.ToJson(scalar), scalar.Position);
            case YamlSequence sequence:
                var items = sequence.Items.Select(BindValue).ToImmutableArray();
                return items.All(i => i is LiteralValue)
                    ? new LiteralValue(new System.Text.Json.Nodes.JsonArray([.. items.Select(i => Adopt(((LiteralValue)i).Value))]), sequence.Position)
                    : new ListValue(items, sequence.Position);
            case YamlMapping map:
                var entries = map.Entries.Select(e => new KeyValuePair<string, ValueTemplate>(e.Key.Value, BindValue(e.Value))).ToImmutableArray();
                return entries.All(e => e.Value is LiteralValue)
                    ? new LiteralValue(new System.Text.Json.Nodes.JsonObject(entries.Select(e => new KeyValuePair<string, System.Text.Json.Nodes.JsonNode?>(e.Key, Adopt(((LiteralValue)e.Value).Value)))), map.Position)
                    : new MapValue(entries, map.Position);
            default:
                throw new InvalidOperationException("unknown YAML node");
        }
    }

    // A literal child's JSON is taken over by its literal parent (the child value is dropped); a node that
    // already has a parent (an alias bound twice) is copied, since JSON nodes have one parent.
    private static System.Text.Json.Nodes.JsonNode? Adopt(System.Text.Json.Nodes.JsonNode? node) =>
        node?.Parent is null ? node : node.DeepClone();

    /// <summary>A condition: an expression, or a literal true or false.</summary>
    private Template? BindCondition(YamlNode? node, string what)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is not YamlScalar scalar)
        {
            Expected(node, "an expression such as \"${{ params.x > 1 }}\" or true/false", what);
            return null;
        }

        if (YamlScalars.TryBool(scalar, out var flag))
        {
            return Template.Parse(flag ? "${{ true }}" : "${{ false }}").Anchor(scalar.Position, YamlScalarStyle.Plain);
        }

        var template = BindTemplate(scalar);
        if (template is { IsLiteral: true })
        {
            Error(node, $"{what}: expected an expression such as \"${{{{ params.x > 1 }}}}\" or true/false, found {node.Describe()}");
            return null;
        }

        return template;
    }

    private Template? BindTemplate(YamlScalar scalar)
    {
        if (Template.TryParse(scalar.Value, out var template, out var errors))
        {
            return template!.Anchor(scalar.ContentPosition, scalar.Style);
        }

        foreach (var error in errors)
        {
            Error(PositionIn(scalar, error.Offset), error.Message);
        }

        return null;
    }

    private static SourcePosition PositionIn(YamlScalar scalar, int offset) =>
        ScalarPositions.At(scalar.ContentPosition, scalar.Style, scalar.Value, offset);
}
