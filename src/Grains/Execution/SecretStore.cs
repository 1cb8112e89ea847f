using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Orleans.Workflow.Execution;

/// <summary>
/// Secrets from configuration (<c>Workflow:Secrets:NAME</c>, environment <c>Workflow__Secrets__NAME</c>) and from
/// files in <c>Workflow:SecretsPath</c>. Read when a step starts; never stored. <see cref="Redact"/> masks their values.
/// </summary>
public sealed class SecretStore(IConfiguration configuration, IOptions<WorkflowOptions> options)
{
    public const string Mask = "***";

    /// <summary>Secrets shorter than this are not masked in text (masking "1" everywhere would mangle output).</summary>
    public const int MinMaskedLength = 3;

    /// <summary>Every secret by name, read now.</summary>
    public IReadOnlyDictionary<string, string> Current()
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection("Workflow:Secrets").GetChildren())
        {
            if (child.Value is { } value)
            {
                secrets[child.Key] = value;
            }
        }

        if (options.Value.SecretsPath is { Length: > 0 } path && Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path))
            {
                var name = Path.GetFileName(file);
                if (!name.StartsWith('.'))
                {
                    secrets[name] = File.ReadAllText(file).TrimEnd('\n', '\r');
                }
            }
        }

        return secrets;
    }

    /// <summary>Replaces every secret value in <paramref name="text"/> with <c>***</c>.</summary>
    public static string Redact(string text, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var value in secrets.Values.Where(v => v.Length >= MinMaskedLength).OrderByDescending(v => v.Length))
        {
            text = text.Replace(value, Mask, StringComparison.Ordinal);
            var escaped = System.Text.Json.JsonEncodedText.Encode(value).ToString();
            if (escaped != value)
            {
                text = text.Replace(escaped, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
