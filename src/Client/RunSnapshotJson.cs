using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Client;

/// <summary>
/// The stable JSON shape of a run snapshot, as <c>owf run --json</c> and <c>owf status --json</c> print it:
/// <c>{"id","playbook","version","status","owner","attempt","started_at","ended_at","params","outputs","error",
/// "tasks":{"task":{"status","reason","outputs","steps":[...],"instances":[...]}},"trigger":{"kind","scheduled_at","event","name","after"},"logical_date"}</c>.
/// </summary>
public static class RunSnapshotJson
{
    public static JsonObject ToJson(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var tasks = new JsonObject();
        foreach (var task in snapshot.Tasks)
        {
            var item = new JsonObject
            {
                ["status"] = task.Status.Name(),
                ["reason"] = task.Reason,
                ["outputs"] = Parse(task.OutputsJson),
                ["error"] = task.Error,
                ["started_at"] = Time(task.StartedAt),
                ["ended_at"] = Time(task.EndedAt),
                ["steps"] = Steps(task.Steps),
            };
            if (task.Instances is { } instances)
            {
                item["instances"] = new JsonArray([.. instances.Select(i => (JsonNode)new JsonObject
                {
                    ["index"] = i.Index,
                    ["item"] = Parse(i.ItemJson),
                    ["status"] = i.Status.Name(),
                    ["outputs"] = Parse(i.OutputsJson),
                    ["steps"] = Steps(i.Steps),
                })]);
            }

            tasks[task.Id] = item;
        }

        return new JsonObject
        {
            ["id"] = snapshot.Id,
            ["playbook"] = snapshot.Playbook,
            ["version"] = snapshot.Version,
            ["status"] = snapshot.Status.Name(),
            ["owner"] = snapshot.Owner,
            ["attempt"] = snapshot.Attempt,
            ["started_at"] = Time(snapshot.StartedAt),
            ["ended_at"] = Time(snapshot.EndedAt),
            ["params"] = Parse(snapshot.ParamsJson),
            ["outputs"] = Parse(snapshot.OutputsJson),
            ["error"] = snapshot.Error is { } error
                ? new JsonObject { ["message"] = error.Message, ["task"] = error.Task, ["step"] = error.Step, ["index"] = error.Index }
                : null,
            ["tasks"] = tasks,
            ["trigger"] = snapshot.Trigger?.ToJson(),
            ["logical_date"] = snapshot.LogicalDate,
        };
    }

    private static JsonArray Steps(IReadOnlyList<StepSnapshot> steps) =>
        new([.. steps.Select(s => (JsonNode)new JsonObject
        {
            ["id"] = s.Id,
            ["status"] = s.Status.Name(),
            ["reason"] = s.Reason,
            ["attempts"] = s.Attempts,
            ["output"] = Parse(s.OutputJson),
            ["error"] = s.Error,
            ["started_at"] = Time(s.StartedAt),
            ["ended_at"] = Time(s.EndedAt),
        })]);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static string? Time(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture);
}
