using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Tests.Expressions;

/// <summary>Shortcuts for the expression tests: compile, evaluate, build scopes.</summary>
internal static class ExpressionKit
{
    public static JsonNode? Eval(string source, ExpressionScope? scope = null, ExpressionEngine? engine = null) =>
        (engine ?? ExpressionEngine.Shared).Evaluate(ExpressionCompiler.Compile(source), scope ?? ExpressionScope.Empty);

    public static JsonNode? Render(string template, ExpressionScope? scope = null, ExpressionEngine? engine = null) =>
        Template.Parse(template).Evaluate(engine ?? ExpressionEngine.Shared, scope ?? ExpressionScope.Empty);

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    public static ExpressionException Fails(string source, ExpressionScope? scope = null, ExpressionEngine? engine = null) =>
        Assert.Throws<ExpressionException>(() => Eval(source, scope, engine));

    /// <summary>A scope with every root filled, as a foreach step of task <c>load</c> would see it.</summary>
    public static ExpressionScope FullScope() => new()
    {
        Params = Obj("""{"run_date":"2024-05-01","countries":["DE","FR"],"limit":3}"""),
        Run = Obj("""{"id":"run-42","playbook":"covid-daily","attempt":1,"logical_date":"2024-05-01","trigger":{"kind":"schedule","scheduled_at":"2024-05-01T02:00:00Z"}}"""),
        Tasks = Obj("""{"extract":{"status":"succeeded","outputs":[{"rows":[1,2]},{"rows":[3]},{"rows":[]}]}}"""),
        Steps = Obj("""{"fetch":{"status":"succeeded","output":{"body":"hello","status":200}}}"""),
        Item = JsonValue.Create("FR"),
        Index = 1,
        Secrets = new Dictionary<string, string> { ["TOKEN"] = "s3cret" },
    };
}
