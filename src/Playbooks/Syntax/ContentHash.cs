using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>
/// The version id of a playbook: SHA-256 over its normalized content, so comments, formatting,
/// quoting and key order do not change it, while any change of meaning does.
/// </summary>
public static class ContentHash
{
    public static string Compute(YamlNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            Write(writer, root);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMapping map:
                writer.WriteStartObject();
                foreach (var (key, entry) in map.Entries.OrderBy(e => e.Key.Value, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key.Value);
                    Write(writer, entry);
                }

                writer.WriteEndObject();
                break;
            case YamlSequence sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalar scalar:
                var value = YamlScalars.ToJson(scalar);
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }

                break;
        }
    }

    /// <summary>The first 12 characters, for people.</summary>
    public static string Short(string version) =>
        version is null ? string.Empty : version[..Math.Min(12, version.Length)];

    internal static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
