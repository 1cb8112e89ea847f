using System.Text.Json.Nodes;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>Reads <c>-p name=value</c> pairs: values stay text, the run coerces them to the params' types.</summary>
public static class ParamArguments
{
    public static bool TryParse(IEnumerable<string> pairs, out JsonObject values, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        values = [];
        errors = [];
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"-p '{pair}': expected name=value");
                continue;
            }

            var name = pair[..equals].Trim();
            if (values.ContainsKey(name))
            {
                errors.Add($"-p {name}: given twice");
                continue;
            }

            values[name] = pair[(equals + 1)..];
        }

        return errors.Count == 0;
    }
}
