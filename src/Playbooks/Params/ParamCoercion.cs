using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Params;

/// <summary>
/// Checks a value against a param's type, coercing text the way command lines deliver it
/// (<c>"3"</c> to 3 for an int, <c>"yes"</c> to true for a bool, JSON text to a list or object).
/// </summary>
public static class ParamCoercion
{
    public static bool TryCoerce(ParamSpec param, JsonNode? value, out JsonNode? result, out string problem)
    {
        ArgumentNullException.ThrowIfNull(param);
        result = null;
        problem = string.Empty;
        if (value is null)
        {
            problem = "no value (null)";
            return false;
        }

        var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        var kind = value.GetValueKind();
        switch (param.Type)
        {
            case ParamType.String:
                result = text is not null ? JsonValue.Create(text) : kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
                    ? JsonValue.Create(value.ToJsonString())
                    : null;
                problem = "expected text";
                break;

            case ParamType.Int:
                if (kind == JsonValueKind.Number && ((JsonValue)value).TryGetValue<long>(out var exact))
                {
                    // Read as a whole number first: going through double loses digits beyond 2^53.
                    result = JsonValue.Create(exact);
                }
                else if (kind == JsonValueKind.Number && TryWhole(JsConvert.AsDouble((JsonValue)value), out var whole))
                {
                    result = JsonValue.Create(whole);
                }
                else if (text is not null && long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    result = JsonValue.Create(parsed);
                }

                problem = $"expected a whole number, got {Show(value)}";
                break;

            case ParamType.Number:
                if (kind == JsonValueKind.Number)
                {
                    result = value.DeepClone();
                }
                else if (text is not null && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    result = JsonValue.Create(number);
                }

                problem = $"expected a number, got {Show(value)}";
                break;

            case ParamType.Bool:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    result = JsonValue.Create(kind == JsonValueKind.True);
                }
                else if (text is not null && TryBool(text, out var flag))
                {
                    result = JsonValue.Create(flag);
                }

                problem = $"expected true or false, got {Show(value)}";
                break;

            case ParamType.Date:
                if (text is not null && DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    result = JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                }

                problem = $"expected a date as YYYY-MM-DD, got {Show(value)}";
                break;

            case ParamType.DateTime:
                if (text is not null && IsIsoDateTime(text.Trim())
                    && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    result = JsonValue.Create(instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                }

                problem = $"expected an ISO 8601 date and time such as 2024-05-01T02:00:00Z, got {Show(value)}";
                break;

            case ParamType.Duration:
                if (text is not null && Duration.TryParse(text, out var span))
                {
                    result = JsonValue.Create(Duration.Format(span));
                }

                problem = $"expected a duration such as 30s, 5m or PT1H, got {Show(value)}";
                break;

            case ParamType.Choice:
                var choice = text ?? (kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? value.ToJsonString() : null);
                if (choice is not null && param.Options.Contains(choice))
                {
                    result = JsonValue.Create(choice);
                }

                problem = $"expected one of {string.Join(", ", param.Options)}, got {Show(value)}";
                break;

            case ParamType.List:
                result = kind == JsonValueKind.Array ? value.DeepClone() : ParseJson(text, JsonValueKind.Array) ?? SplitList(text);
                problem = $"expected a list (JSON array such as [\"a\",\"b\"], or comma-separated text), got {Show(value)}";
                break;

            case ParamType.Object:
                result = kind == JsonValueKind.Object ? value.DeepClone() : ParseJson(text, JsonValueKind.Object);
                problem = $"expected an object (JSON such as {{\"key\": 1}}), got {Show(value)}";
                break;
        }

        if (result is null)
        {
            return false;
        }

        problem = string.Empty;
        return true;
    }

    public static bool TryBool(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "y" or "on" or "1":
                value = true;
                return true;
            case "false" or "no" or "n" or "off" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    // ISO 8601 as a date, 'T', then a time: "2024-05-01T02:00:00Z". A 'T' anywhere (as in "GMT") is not enough.
    private static bool IsIsoDateTime(string text) =>
        text.Length > 11
        && text[10] is 'T' or 't'
        && DateOnly.TryParseExact(text.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
        && char.IsAsciiDigit(text[11]);

    private static bool TryWhole(double number, out long whole)
    {
        whole = (long)number;
        return double.IsFinite(number) && number == Math.Floor(number) && Math.Abs(number) < 9.2e18;
    }

    private static JsonNode? ParseJson(string? text, JsonValueKind expected)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            return node is not null && node.GetValueKind() == expected ? node : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonArray? SplitList(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{'))
        {
            return null;
        }

        return trimmed.Length == 0
            ? []
            : new JsonArray([.. trimmed.Split(',').Select(part => (JsonNode?)JsonValue.Create(part.Trim()))]);
    }

    private static string Show(JsonNode value)
    {
        var json = value.ToJsonString();
        return json.Length <= 60 ? json : string.Concat(json.AsSpan(0, 57), "...");
    }
}
