using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>Resolves plain scalars by the YAML 1.2 core schema: null, bool, int, float, else text.</summary>
public static partial class YamlScalars
{
    public static JsonNode? ToJson(YamlScalar scalar)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        if (!scalar.IsPlain)
        {
            return JsonValue.Create(scalar.Value);
        }

        if (scalar.IsNull)
        {
            return null;
        }

        if (TryBool(scalar, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (TryInteger(scalar, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (TryFloat(scalar, out var number))
        {
            return double.IsFinite(number) ? JsonValue.Create(number) : JsonValue.Create(scalar.Value);
        }

        return JsonValue.Create(scalar.Value);
    }

    public static bool TryBool(YamlScalar scalar, out bool value)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        value = false;
        if (!scalar.IsPlain)
        {
            return false;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                return true;
            default:
                return false;
        }
    }

    public static bool TryInteger(YamlScalar scalar, out long value)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        value = 0;
        if (!scalar.IsPlain)
        {
            return false;
        }

        var text = scalar.Value;
        if (text.StartsWith("0x", StringComparison.Ordinal))
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (text.StartsWith("0o", StringComparison.Ordinal))
        {
            try
            {
                value = Convert.ToInt64(text[2..], 8);
                return true;
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            {
                return false;
            }
        }

        return IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryFloat(YamlScalar scalar, out double value)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        value = 0;
        if (!scalar.IsPlain)
        {
            return false;
        }

        switch (scalar.Value)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
        }

        return FloatPattern().IsMatch(scalar.Value)
            && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
