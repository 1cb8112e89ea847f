using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using static Orleans.Workflow.Playbooks.Tests.Expressions.ExpressionKit;

namespace Orleans.Workflow.Playbooks.Tests.Expressions;

public class TemplateTests
{
    [Theory]
    [InlineData("${{ 1 + 2 }}", JsonValueKind.Number, "3")]
    [InlineData("${{ 2.5 }}", JsonValueKind.Number, "2.5")]
    [InlineData("${{ 1 < 2 }}", JsonValueKind.True, "true")]
    [InlineData("${{ 1 > 2 }}", JsonValueKind.False, "false")]
    [InlineData("${{ 'a' + 'b' }}", JsonValueKind.String, "\"ab\"")]
    [InlineData("${{ [1, 'x', true] }}", JsonValueKind.Array, "[1,\"x\",true]")]
    [InlineData("${{ ({a: 1, b: [2]}) }}", JsonValueKind.Object, "{\"a\":1,\"b\":[2]}")]
    [InlineData("${{ {a: 1} }}", JsonValueKind.Object, "{\"a\":1}")]
    public void Evaluate_WholeExpression_KeepsItsType(string text, JsonValueKind kind, string json)
    {
        var result = Render(text);

        Assert.NotNull(result);
        Assert.Equal(kind, result.GetValueKind());
        Assert.Equal(json, result.ToJsonString());
    }

    [Theory]
    [InlineData("${{ null }}")]
    [InlineData("${{ undefined }}")]
    [InlineData("${{ params.missing }}")]
    public void Evaluate_WholeExpressionNullOrUndefined_ReturnsNull(string text)
    {
        Assert.Null(Render(text, new ExpressionScope { Params = [] }));
    }

    [Theory]
    [InlineData("  ${{ params.list }}  ")]
    [InlineData("\t${{ params.list }}\n")]
    [InlineData("${{params.list}}")]
    [InlineData("\n  ${{   params.list   }} \n")]
    public void Evaluate_WhitespaceAroundOneExpression_StillKeepsType(string text)
    {
        var template = Template.Parse(text);
        var result = template.Evaluate(ExpressionEngine.Shared, new ExpressionScope { Params = Obj("""{"list":[1,2,3]}""") });

        Assert.NotNull(template.WholeExpression);
        Assert.Equal("[1,2,3]", Json(result));
    }

    [Theory]
    [InlineData("n=${{ 1 + 2 }}", "n=3")]
    [InlineData("${{ 1 }}-${{ 2 }}", "1-2")]
    [InlineData("x ${{ 1.5 }}", "x 1.5")]
    [InlineData("b=${{ true }}", "b=true")]
    [InlineData("s=${{ 'text' }}!", "s=text!")]
    [InlineData("o=${{ ({a: 1, b: 'x'}) }}", "o={\"a\":1,\"b\":\"x\"}")]
    [InlineData("l=${{ [1, 'x', null] }}", "l=[1,\"x\",null]")]
    [InlineData("a=${{ null }};", "a=;")]
    [InlineData("a=${{ undefined }};", "a=;")]
    [InlineData("<${{ 6 / 2 }}>", "<3>")]
    public void Evaluate_ExpressionInsideText_SplicesText(string text, string expected)
    {
        var result = Render(text);

        Assert.NotNull(result);
        Assert.Equal(JsonValueKind.String, result.GetValueKind());
        Assert.Equal(expected, result.GetValue<string>());
    }

    [Fact]
    public void EvaluateText_WholeExpressionList_GivesJsonText()
    {
        var text = Template.Parse("${{ [1, {a: 'b'}] }}").EvaluateText(ExpressionEngine.Shared, ExpressionScope.Empty);

        Assert.Equal("[1,{\"a\":\"b\"}]", text);
    }

    [Fact]
    public void Parse_DoubleDollar_IsLiteralOpener()
    {
        var template = Template.Parse("$${{ params.x }}");

        Assert.True(template.IsLiteral);
        Assert.Null(template.WholeExpression);
        Assert.Equal("${{ params.x }}", template.LiteralText);
        Assert.Equal("${{ params.x }}", template.EvaluateText(ExpressionEngine.Shared, ExpressionScope.Empty));
    }

    [Fact]
    public void Evaluate_EscapeBesideRealExpression_KeepsEscapeLiteralAndEvaluatesTheOther()
    {
        var result = Render("cost $${{ x }} and ${{ 1 + 1 }}");

        Assert.Equal("cost ${{ x }} and 2", result!.GetValue<string>());
    }

    [Fact]
    public void Parse_NestedObjectLiteral_FindsRealEnd()
    {
        var template = Template.Parse("${{ {a:{b:1}} }}");

        Assert.NotNull(template.WholeExpression);
        Assert.Equal(" {a:{b:1}} ", template.WholeExpression.Source);
        Assert.Equal("{\"a\":{\"b\":1}}", Json(template.Evaluate(ExpressionEngine.Shared, ExpressionScope.Empty)));
    }

    [Fact]
    public void Evaluate_NestedObjectLiteralInsideText_SplicesWholeObject()
    {
        Assert.Equal("x{\"a\":{\"b\":1}}y", Render("x${{ {a:{b:1}} }}y")!.GetValue<string>());
    }

    [Theory]
    [InlineData("${{ '}}' + 'x' }}", "}}x")]
    [InlineData("a${{ ['}}'].length }}b", "a1b")]
    [InlineData("${{ `${'}}'}` }}", "}}")]
    public void Evaluate_CloserInsideStringLiteral_FindsRealEnd(string text, string expected)
    {
        Assert.Equal(expected, Render(text)!.GetValue<string>());
    }

    [Fact]
    public void Parse_TwoExpressions_SegmentsCarryOffsets()
    {
        var template = Template.Parse("a${{ 1 }}b${{ 2 }}");

        Assert.Equal(4, template.Segments.Length);
        Assert.Equal("a", template.Segments[0].Text);
        Assert.Equal(4, template.Segments[1].Offset);
        Assert.Equal(" 1 ", template.Segments[1].Expression!.Source);
        Assert.Equal("b", template.Segments[2].Text);
        Assert.Equal(13, template.Segments[3].Offset);
        Assert.Null(template.WholeExpression);
        Assert.Equal(2, template.Expressions.Count());
    }

    [Fact]
    public void TryParse_Unclosed_ReportsMissingClose()
    {
        Assert.False(Template.TryParse("x ${{ 1 + 1", out var template, out var errors));

        Assert.Null(template);
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Offset);
        Assert.Contains("no closing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SyntaxError_ReportsOffsetInsideTemplate()
    {
        Assert.False(Template.TryParse("ab${{ 1 + }}", out _, out var errors));

        var error = Assert.Single(errors);
        Assert.Contains("syntax", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Offset, 5, 12);
    }

    [Fact]
    public void Parse_NoExpression_IsLiteral()
    {
        var template = Template.Parse("just text }} {{");

        Assert.True(template.IsLiteral);
        Assert.Equal("just text }} {{", Render("just text }} {{")!.GetValue<string>());
    }

    [Fact]
    public void MayContainExpression_OpenerPresent_True()
    {
        Assert.True(Template.MayContainExpression("x ${{ y }}"));
        Assert.False(Template.MayContainExpression("x {{ y }}"));
    }
}
