using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Execution;

/// <summary>The data expressions read, as it travels between grains (JSON text) and as expressions see it.</summary>
public static class ScopeData
{
    public static JsonObject Parse(string json) => JsonNode.Parse(json) as JsonObject ?? [];

    public static ExpressionScope ToScope(JsonObject data, IReadOnlyDictionary<string, string>? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ExpressionScope
        {
            Params = data["params"] as JsonObject,
            Run = data["run"] as JsonObject,
            Tasks = data["tasks"] as JsonObject,
            Steps = data["steps"] as JsonObject,
            Item = data["item"],
            Index = data["index"] is JsonValue index && index.TryGetValue<int>(out var i) ? i : null,
            Secrets = secrets,
        };
    }

    public static JsonNode? ParseOrNull(string? json) => json is null ? null : JsonNode.Parse(json);
}
