using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Binding;

internal sealed partial class PlaybookBinder
{
    private ImmutableArray<ParamSpec> BindParams(YamlNode? node)
    {
        if (node is null || IsNull(node))
        {
            return [];
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping of param names to types", "params");
            return [];
        }

        var result = ImmutableArray.CreateBuilder<ParamSpec>();
        foreach (var (key, value) in map.Entries)
        {
            if (!Names.IsParamName(key.Value))
            {
                Error(key, $"param name '{key.Value}' is invalid: use {Names.ParamRule}");
            }

            if (BindParam(key, value) is { } param)
            {
                result.Add(param);
            }
        }

        return result.ToImmutable();
    }

    private ParamSpec? BindParam(YamlScalar key, YamlNode node)
    {
        var what = $"param '{key.Value}'";

        // `full_refresh: bool` is a required param of that type.
        if (node is YamlScalar { IsNull: false } shorthand)
        {
            if (!ParamTypes.TryParse(shorthand.Value, out var shortType))
            {
                return UnknownType(shorthand, what);
            }

            if (shortType == ParamType.Choice)
            {
                Error(shorthand, $"{what}: type choice needs a non-empty 'options' list: write {{ type: choice, options: [a, b] }}");
                return null;
            }

            return new ParamSpec(key.Value, shortType, null, [], null, key.Position);
        }

        if (node is not YamlMapping map)
        {
            Expected(node, $"a type ({string.Join(", ", ParamTypes.All)}) or a mapping {{type, default, options, description}}", what);
            return null;
        }

        CheckKeys(map, Keys.Param, what);
        var defaultNode = map["default"];
        ParamType type;
        if (map["type"] is { } typeNode)
        {
            if (typeNode is not YamlScalar typeScalar || !ParamTypes.TryParse(typeScalar.Value, out type))
            {
                return typeNode is YamlScalar bad ? UnknownType(bad, what) : ExpectedNull(typeNode, "a type name", what);
            }
        }
        else
        {
            type = defaultNode is null ? ParamType.String : ParamTypes.Infer(defaultNode);
        }

        var options = ImmutableArray<string>.Empty;
        if (map["options"] is { } optionsNode)
        {
            if (type != ParamType.Choice)
            {
                Error(optionsNode, $"{what}: 'options' applies only to type choice");
            }
            else
            {
                options = [.. TextList(optionsNode, $"{what} options").Select(s => s.Value)];
            }
        }

        if (type == ParamType.Choice && options.IsEmpty)
        {
            Error(map["options"] ?? map, $"{what}: type choice needs a non-empty 'options' list");
        }

        var duplicate = options.GroupBy(o => o, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            Error(map["options"]!, $"{what}: option '{duplicate.Key}' is listed twice");
        }

        ValueTemplate? defaultValue = null;
        if (defaultNode is not null)
        {
            defaultValue = BindValue(defaultNode);
            if (defaultValue is LiteralValue literal && !IsNull(defaultNode)
                && !ParamCoercion.TryCoerce(new ParamSpec(key.Value, type, null, options, null, key.Position), literal.Value, out _, out var problem))
            {
                Error(defaultNode, $"{what}: default does not fit type {ParamTypes.Name(type)}: {problem}");
            }
        }

        return new ParamSpec(key.Value, type, defaultValue, options, OptionalText(map, "description"), key.Position);
    }

    private ParamSpec? UnknownType(YamlScalar node, string what)
    {
        Error(node, $"{what}: unknown type '{node.Value}'{Suggestions.Hint(node.Value, ParamTypes.All)}; types: {string.Join(", ", ParamTypes.All)}");
        return null;
    }

    private ParamSpec? ExpectedNull(YamlNode node, string expected, string what)
    {
        Expected(node, expected, what);
        return null;
    }
}
