using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;

namespace Orleans.Workflow.Playbooks.Tests.Params;

public class ParamResolverTests
{
    private const string Yaml = """
        name: params-demo
        params:
          run_date: { type: date, default: "${{ run.logical_date }}" }
          count: { type: int, default: 3 }
          full_refresh: bool
          mode: { type: choice, options: [fast, thorough], default: fast }
          tags: { type: list, default: [a, b] }
          settings: { type: object, default: { depth: 1 } }
        tasks:
          t:
            steps:
              - uses: noop
        """;

    private static readonly JsonObject Run = new() { ["id"] = "r1", ["logical_date"] = "2024-05-01", ["attempt"] = 2 };

    internal static Playbook Load(string yaml)
    {
        var loaded = PlaybookLoader.Load(yaml, "params.yaml");
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        return loaded.Playbook!;
    }

    private static Dictionary<string, JsonNode?> Given(params (string Name, JsonNode? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static string Playbook(string paramsBlock) => $$"""
        name: params-one
        params:
        {{paramsBlock}}
        tasks:
          t:
            steps:
              - uses: noop
        """;

    [Fact]
    public void Resolve_AllDefaults_FillsEveryOptionalParam()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(("full_refresh", "no")), Run);

        Assert.True(resolution.IsValid, string.Join("\n", resolution.Errors));
        Assert.Equal(
            """{"run_date":"2024-05-01","count":3,"full_refresh":false,"mode":"fast","tags":["a","b"],"settings":{"depth":1}}""",
            resolution.Values.ToJsonString());
    }

    [Fact]
    public void Resolve_GivenText_CoercedToEachType()
    {
        var resolution = ParamResolver.Resolve(
            Load(Yaml),
            Given(("full_refresh", "yes"), ("count", "7"), ("mode", "thorough"), ("tags", "x, y"), ("run_date", "2023-01-31"), ("settings", """{"depth":5}""")),
            Run);

        Assert.True(resolution.IsValid, string.Join("\n", resolution.Errors));
        Assert.Equal(
            """{"run_date":"2023-01-31","count":7,"full_refresh":true,"mode":"thorough","tags":["x","y"],"settings":{"depth":5}}""",
            resolution.Values.ToJsonString());
    }

    [Fact]
    public void Resolve_GivenTypedJson_Accepted()
    {
        var resolution = ParamResolver.Resolve(
            Load(Yaml),
            Given(("full_refresh", true), ("count", 12), ("tags", new JsonArray(1, 2))),
            Run);

        Assert.True(resolution.IsValid, string.Join("\n", resolution.Errors));
        Assert.Equal("12", resolution.Values["count"]!.ToJsonString());
        Assert.Equal("true", resolution.Values["full_refresh"]!.ToJsonString());
        Assert.Equal("[1,2]", resolution.Values["tags"]!.ToJsonString());
    }

    [Fact]
    public void Resolve_RequiredMissing_NamesParamAndSuggestsFlag()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.False(resolution.IsValid);
        Assert.Equal("full_refresh", error.Param);
        Assert.Contains("'full_refresh'", error.Message, StringComparison.Ordinal);
        Assert.Contains("required", error.Message, StringComparison.Ordinal);
        Assert.Contains("-p full_refresh=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownParamCloseToDeclared_SuggestsIt()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(("full_refresh", "no"), ("cuont", "1")), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("cuont", error.Param);
        Assert.Contains("unknown param 'cuont'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'count'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("params-demo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownParamFarFromAll_ListsDeclared()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(("full_refresh", "no"), ("zzzzzz", "1")), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
        Assert.Contains("run_date, count, full_refresh, mode, tags, settings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_PlaybookWithoutParamsGivenOne_SaysItDeclaresNone()
    {
        var playbook = Load("""
            name: no-params
            tasks:
              t:
                steps:
                  - uses: noop
            """);

        var error = Assert.Single(ParamResolver.Resolve(playbook, Given(("x", "1"))).Errors);

        Assert.Contains("declares none", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("count", "3.5", "whole number")]
    [InlineData("count", "many", "whole number")]
    [InlineData("mode", "slow", "fast, thorough")]
    [InlineData("run_date", "2024-13-01", "YYYY-MM-DD")]
    [InlineData("full_refresh", "maybe", "true or false")]
    [InlineData("settings", "[1]", "object")]
    public void Resolve_GivenBadValue_ErrorNamesParamAndType(string name, string value, string problem)
    {
        var given = Given(("full_refresh", "no"));
        given[name] = value;

        var resolution = ParamResolver.Resolve(Load(Yaml), given, Run);

        var error = Assert.Single(resolution.Errors);
        Assert.Equal(name, error.Param);
        Assert.StartsWith($"param '{name}' (", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, error.ToString());
    }

    [Fact]
    public void Resolve_SeveralProblems_ReportsEveryOne()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(("count", "x"), ("mode", "slow"), ("nope", "1")), Run);

        Assert.Equal(["nope", "count", "full_refresh", "mode"], resolution.Errors.Select(e => e.Param).ToArray());
    }

    [Fact]
    public void Resolve_GivenNull_RejectedNamingParam()
    {
        var resolution = ParamResolver.Resolve(Load(Yaml), Given(("full_refresh", "no"), ("count", null)), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("count", error.Param);
        Assert.Contains("null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DefaultExpressionOverRun_UsesRunAndType()
    {
        var playbook = Load(Playbook("""
              day: { type: date, default: "${{ run.logical_date }}" }
              attempt_text: { type: string, default: "attempt ${{ run.attempt }}" }
              doubled: { type: int, default: "${{ String(run.attempt * 2) }}" }
              ids: { type: list, default: "${{ run.id }},extra" }
              when: { type: datetime, default: "${{ run.logical_date + 'T02:00:00Z' }}" }
              flag: { type: bool, default: "${{ run.attempt > 1 ? 'yes' : 'no' }}" }
            """));

        var resolution = ParamResolver.Resolve(playbook, Given(), Run);

        Assert.True(resolution.IsValid, string.Join("\n", resolution.Errors));
        Assert.Equal("2024-05-01T02:00:00+00:00", resolution.Values["when"]!.GetValue<string>());
        resolution.Values.Remove("when");
        Assert.Equal(
            """{"day":"2024-05-01","attempt_text":"attempt 2","doubled":4,"ids":["r1","extra"],"flag":true}""",
            resolution.Values.ToJsonString());
    }

    [Fact]
    public void Resolve_DefaultExpressionTwoRuns_EachSeesItsOwnRun()
    {
        var playbook = Load(Playbook("""  day: { type: date, default: "${{ run.logical_date }}" }"""));

        var first = ParamResolver.Resolve(playbook, Given(), new JsonObject { ["logical_date"] = "2024-01-01" });
        var second = ParamResolver.Resolve(playbook, Given(), new JsonObject { ["logical_date"] = "2024-01-02" });

        Assert.Equal("2024-01-01", first.Values["day"]!.GetValue<string>());
        Assert.Equal("2024-01-02", second.Values["day"]!.GetValue<string>());
    }

    [Fact]
    public void Resolve_DefaultExpressionThrows_ErrorNamesParam()
    {
        var playbook = Load(Playbook("""  day: { type: date, default: "${{ run.trigger.scheduled_at.slice(0, 10) }}" }"""));

        var resolution = ParamResolver.Resolve(playbook, Given(), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("day", error.Param);
        Assert.Contains("param 'day'", error.Message, StringComparison.Ordinal);
        Assert.Contains("default failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("run.trigger.scheduled_at", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DefaultExpressionOfWrongType_ErrorNamesParamAndType()
    {
        var playbook = Load(Playbook("""  day: { type: date, default: "${{ run.id }}" }"""));

        var resolution = ParamResolver.Resolve(playbook, Given(), Run);

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("day", error.Param);
        Assert.Contains("type date", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"r1\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_GivenValueOverridesDefaultExpression_ExpressionNotEvaluated()
    {
        var playbook = Load(Playbook("""  day: { type: date, default: "${{ run.trigger.scheduled_at.slice(0, 10) }}" }"""));

        var resolution = ParamResolver.Resolve(playbook, Given(("day", "2024-02-02")), Run);

        Assert.True(resolution.IsValid, string.Join("\n", resolution.Errors));
        Assert.Equal("2024-02-02", resolution.Values["day"]!.GetValue<string>());
    }

    [Fact]
    public void Resolve_DefaultExpressionWithoutRun_SeesEmptyRun()
    {
        var playbook = Load(Playbook("""  label: { type: string, default: "${{ run.id ?? 'none' }}" }"""));

        var resolution = ParamResolver.Resolve(playbook, Given());

        Assert.Equal("none", resolution.Values["label"]!.GetValue<string>());
    }

    [Fact]
    public void Resolve_DefaultExpressionHitsLimit_ErrorNamesParam()
    {
        var playbook = Load(Playbook("""  n: { type: int, default: "${{ (function f(){ return f(); })() }}" }"""));

        var resolution = ParamResolver.Resolve(playbook, Given(), Run, new ExpressionEngine());

        var error = Assert.Single(resolution.Errors);
        Assert.Equal("n", error.Param);
        Assert.Contains("recursion limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_LiteralListDefault_IsCopyPerRun()
    {
        var playbook = Load(Yaml);

        var first = ParamResolver.Resolve(playbook, Given(("full_refresh", "no")), Run);
        first.Values["tags"]!.AsArray().Add("mutated");
        var second = ParamResolver.Resolve(playbook, Given(("full_refresh", "no")), Run);

        Assert.Equal("[\"a\",\"b\"]", second.Values["tags"]!.ToJsonString());
    }

    [Fact]
    public void Resolve_NullDefault_GivesNullValue()
    {
        var playbook = Load(Playbook("""  note: { type: string, default: null }"""));

        var resolution = ParamResolver.Resolve(playbook, Given());

        Assert.True(resolution.IsValid);
        Assert.True(resolution.Values.ContainsKey("note"));
        Assert.Null(resolution.Values["note"]);
    }
}
