using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>
/// What a step of a realistic run sees: nine params, the run's fields, two upstream tasks (one with 20 rows
/// of output), one earlier step, and a foreach item. <see cref="Fresh"/> builds a new scope over new nodes,
/// as the run does for every step it starts.
/// </summary>
public static class BenchScopes
{
    public const string SimpleExpression = "params.count + 1";
    public const string MemberPathExpression = "tasks.extract.outputs.rows.length";
    public const string SplicedTemplate = "file-${{ params.date }}-${{ index }}.csv";

    /// <summary>Rows in <c>tasks.extract.outputs.rows</c>.</summary>
    public const int ExtractRows = 20;

    /// <summary>How many scopes <see cref="DistinctScopes"/> builds: a power of two, far more than engines cache.</summary>
    public const int DistinctScopeCount = 1024;

    /// <summary>Scopes that share no node, to evaluate against in turn so that no conversion is ever reused.</summary>
    public static ExpressionScope[] DistinctScopes() =>
        [.. Enumerable.Range(0, DistinctScopeCount).Select(i => Fresh(i % 8))];

    /// <summary>A new scope with new JSON nodes, so nothing converted for an earlier scope can be reused.</summary>
    public static ExpressionScope Fresh(int index = 3) => new()
    {
        Params = Params(),
        Run = Run(),
        Tasks = Tasks(),
        Steps = Steps(),
        Item = JsonValue.Create("eu"),
        Index = index,
    };

    public static JsonObject Params() => new()
    {
        ["date"] = "2024-05-01",
        ["count"] = 10,
        ["batch_size"] = 500,
        ["threshold"] = 0.75,
        ["regions"] = new JsonArray("eu", "us", "apac", "latam"),
        ["api_base"] = "https://api.example.com/v2",
        ["dry_run"] = false,
        ["mode"] = "incremental",
        ["options"] = new JsonObject { ["format"] = "csv", ["compress"] = true, ["delimiter"] = ";" },
    };

    public static JsonObject Run() => new()
    {
        ["id"] = "0f9c2d3e-6b1a-4c5e-9d7f-2a8b4c6d8e0f",
        ["playbook"] = "generated-500",
        ["version"] = "sha256:5d41402abc4b2a76b9719d911017c592",
        ["attempt"] = 1,
        ["started_at"] = "2024-05-02T03:00:00.000Z",
        ["logical_date"] = "2024-05-01",
        ["trigger"] = new JsonObject { ["kind"] = "schedule", ["scheduled_at"] = "2024-05-02T03:00:00.000Z", ["event"] = null },
        ["owner"] = "bench",
    };

    public static JsonObject Tasks()
    {
        var rows = new JsonArray();
        for (var i = 0; i < ExtractRows; i++)
        {
            rows.Add(new JsonObject { ["id"] = i, ["amount"] = 10.5 * i, ["region"] = i % 2 == 0 ? "eu" : "us" });
        }

        return new JsonObject
        {
            ["extract"] = new JsonObject
            {
                ["status"] = "succeeded",
                ["outputs"] = new JsonObject { ["rows"] = rows, ["uri"] = "s3://bucket/extract/2024-05-01.json" },
            },
            ["fetch_000"] = new JsonObject
            {
                ["status"] = "succeeded",
                ["outputs"] = new JsonObject { ["count"] = 20, ["uri"] = "https://api.example.com/v2/fetch_000/succeeded" },
            },
        };
    }

    public static JsonObject Steps() => new()
    {
        ["download"] = new JsonObject
        {
            ["status"] = "succeeded",
            ["output"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["content-type"] = "application/json" },
                ["body"] = "{\"items\":[1,2,3]}",
            },
        },
    };
}
