using System.Security.Cryptography;
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
                WriteScalar(writer, scalar);
                break;
        }
    }

    // The same value YamlScalars.ToJson resolves, written without building a JSON node per scalar.
    private static void WriteScalar(Utf8JsonWriter writer, YamlScalar scalar)
    {
        if (!scalar.IsPlain)
        {
            writer.WriteStringValue(scalar.Value);
        }
        else if (scalar.IsNull)
        {
            writer.WriteNullValue();
        }
        else if (YamlScalars.TryBool(scalar, out var flag))
        {
            writer.WriteBooleanValue(flag);
        }
        else if (YamlScalars.TryInteger(scalar, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (YamlScalars.TryFloat(scalar, out var number) && double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(scalar.Value);
        }
    }

    /// <summary>The first 12 characters, for people.</summary>
    public static string Short(string version) =>
        version is null ? string.Empty : version[..Math.Min(12, version.Length)];
}
