using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class ParamDeclarationTests
{
    private static string WithParam(string declaration) => $"name: demo\nparams:\n  p: {declaration}\n{OneTask}";

    [Theory]
    [InlineData("{ type: int, default: abc }", 3, 28, "type int", "expected a whole number, got \"abc\"")]
    [InlineData("{ type: int, default: 1.5 }", 3, 28, "type int", "expected a whole number, got 1.5")]
    [InlineData("{ type: int, default: [1] }", 3, 28, "type int", "expected a whole number")]
    [InlineData("{ type: number, default: x }", 3, 31, "type number", "expected a number, got \"x\"")]
    [InlineData("{ type: bool, default: maybe }", 3, 29, "type bool", "expected true or false, got \"maybe\"")]
    [InlineData("{ type: bool, default: 2 }", 3, 29, "type bool", "expected true or false, got 2")]
    [InlineData("{ type: date, default: 2024-13-01 }", 3, 29, "type date", "expected a date as YYYY-MM-DD, got \"2024-13-01\"")]
    [InlineData("{ type: date, default: 2023-02-29 }", 3, 29, "type date", "got \"2023-02-29\"")]
    [InlineData("{ type: date, default: 01.02.2024 }", 3, 29, "type date", "YYYY-MM-DD")]
    [InlineData("{ type: datetime, default: 2024-01-01 }", 3, 33, "type datetime", "ISO 8601 date and time")]
    [InlineData("{ type: duration, default: 5 minutes }", 3, 33, "type duration", "expected a duration")]
    [InlineData("{ type: choice, options: [x, y], default: z }", 3, 48, "type choice", "expected one of x, y, got \"z\"")]
    [InlineData("{ type: list, default: \"{1}\" }", 3, 29, "type list", "expected a list")]
    [InlineData("{ type: list, default: { a: 1 } }", 3, 29, "type list", "got {\"a\":1}")]
    [InlineData("{ type: object, default: [1] }", 3, 31, "type object", "expected an object")]
    [InlineData("{ type: string, default: [a] }", 3, 31, "type string", "expected text")]
    public void Load_DefaultNotFittingType_ReportsAtTheDefault(string declaration, int line, int column, string type, string problem)
    {
        SingleError(WithParam(declaration), line, column, "param 'p': default does not fit " + type, problem);
    }

    [Theory]
    [InlineData("{ type: int, default: \"3\" }", ParamType.Int)]
    [InlineData("{ type: int, default: -7 }", ParamType.Int)]
    [InlineData("{ type: number, default: 0.5 }", ParamType.Number)]
    [InlineData("{ type: number, default: 3 }", ParamType.Number)]
    [InlineData("{ type: bool, default: \"yes\" }", ParamType.Bool)]
    [InlineData("{ type: bool, default: false }", ParamType.Bool)]
    [InlineData("{ type: date, default: 2024-02-29 }", ParamType.Date)]
    [InlineData("{ type: datetime, default: \"2024-05-01T02:00:00Z\" }", ParamType.DateTime)]
    [InlineData("{ type: duration, default: 1h30m }", ParamType.Duration)]
    [InlineData("{ type: choice, options: [fast, thorough], default: fast }", ParamType.Choice)]
    [InlineData("{ type: list, default: [DE, FR] }", ParamType.List)]
    [InlineData("{ type: list, default: \"a,b\" }", ParamType.List)]
    [InlineData("{ type: list, default: [] }", ParamType.List)]
    [InlineData("{ type: object, default: { a: 1 } }", ParamType.Object)]
    [InlineData("{ type: string, default: 3 }", ParamType.String)]
    [InlineData("{ type: date, default: \"${{ run.logical_date }}\" }", ParamType.Date)]
    [InlineData("{ type: int, default: null }", ParamType.Int)]
    public void Load_DefaultFittingType_IsAccepted(string declaration, ParamType type)
    {
        var param = Assert.Single(Valid(WithParam(declaration)).Params);
        Assert.Equal(type, param.Type);
    }

    [Theory]
    [InlineData("{ default: 3 }", ParamType.Int)]
    [InlineData("{ default: 0.5 }", ParamType.Number)]
    [InlineData("{ default: true }", ParamType.Bool)]
    [InlineData("{ default: [a] }", ParamType.List)]
    [InlineData("{ default: { a: 1 } }", ParamType.Object)]
    [InlineData("{ default: hello }", ParamType.String)]
    [InlineData("{ default: \"3\" }", ParamType.String)]
    [InlineData("{ description: neither type nor default }", ParamType.String)]
    public void Load_ParamWithoutType_InfersTypeFromDefault(string declaration, ParamType type)
    {
        var param = Assert.Single(Valid(WithParam(declaration)).Params);
        Assert.Equal(type, param.Type);
    }

    [Theory]
    [InlineData("string", ParamType.String)]
    [InlineData("int", ParamType.Int)]
    [InlineData("bool", ParamType.Bool)]
    [InlineData("duration", ParamType.Duration)]
    [InlineData("object", ParamType.Object)]
    public void Load_ShorthandType_IsRequiredParamOfThatType(string type, ParamType expected)
    {
        var param = Assert.Single(Valid(WithParam(type)).Params);
        Assert.Equal(expected, param.Type);
        Assert.True(param.Required);
        Assert.Null(param.Default);
        Assert.Equal(new SourcePosition(3, 3), param.Position);
    }

    [Fact]
    public void Load_ParamWithDefault_IsOptionalAndKeepsDefault()
    {
        var param = Assert.Single(Valid(WithParam("{ type: list, default: [DE, FR], description: codes }")).Params);
        Assert.False(param.Required);
        var literal = Assert.IsType<LiteralValue>(param.Default);
        Assert.Equal("[\"DE\",\"FR\"]", literal.Value!.ToJsonString());
        Assert.Equal("codes", param.Description);
    }

    [Fact]
    public void Load_ChoiceWithoutOptions_ReportsAtTheParam()
    {
        SingleError(WithParam("{ type: choice }"), 3, 6, "param 'p': type choice needs a non-empty 'options' list");
    }

    [Fact]
    public void Load_ChoiceWithEmptyOptions_ReportsAtTheOptions()
    {
        SingleError(WithParam("{ type: choice, options: [] }"), 3, 31, "param 'p': type choice needs a non-empty 'options' list");
    }

    [Fact]
    public void Load_ChoiceShorthandWithoutOptions_ReportsMissingOptions()
    {
        SingleError(WithParam("choice"), 3, 6, "param 'p'", "type choice needs a non-empty 'options' list");
    }

    [Fact]
    public void Load_OptionsOnNonChoice_ReportsAtTheOptions()
    {
        SingleError(WithParam("{ type: string, options: [x] }"), 3, 31, "param 'p': 'options' applies only to type choice");
    }

    [Fact]
    public void Load_OptionsWithoutType_ReportsOptionsOnlyForChoice()
    {
        SingleError(WithParam("{ options: [x, y] }"), 3, 17, "'options' applies only to type choice");
    }

    [Fact]
    public void Load_OptionsNotText_ReportsExpectedText()
    {
        SingleError(WithParam("{ type: choice, options: [a, [b]] }"), 3, 35, "param 'p' options: expected text, found a list");
    }

    [Fact]
    public void Load_ChoiceOptions_AreKeptInOrder()
    {
        var param = Assert.Single(Valid(WithParam("{ type: choice, options: [fast, thorough, \"3\"], default: fast }")).Params);
        Assert.Equal(new[] { "fast", "thorough", "3" }, param.Options);
    }

    [Fact]
    public void Load_SeveralBadDefaults_ReportsEachParam()
    {
        var diagnostics = Errors(
            $$"""
            name: demo
            params:
              a: { type: int, default: abc }
              b: { type: bool, default: maybe }
              c: { type: date, default: tomorrow }
            {{OneTask}}
            """);
        Assert.Equal(3, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 3, 28, "param 'a'", "type int");
        AssertDiagnostic(diagnostics[1], 4, 29, "param 'b'", "type bool");
        AssertDiagnostic(diagnostics[2], 5, 29, "param 'c'", "type date");
    }
}
