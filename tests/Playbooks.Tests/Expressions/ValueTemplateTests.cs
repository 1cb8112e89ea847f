using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using static Orleans.Workflow.Playbooks.Tests.Expressions.ExpressionKit;

namespace Orleans.Workflow.Playbooks.Tests.Expressions;

public class ValueTemplateTests
{
    private const string Yaml = """
        name: with-values
        params:
          who: { type: string, default: World }
          n: { type: int, default: 2 }
          tags: { type: list, default: [a, b] }
        tasks:
          t:
            steps:
              - id: s
                uses: noop
                with:
                  plain: 1
                  greeting: "Hello ${{ params.who }}!"
                  count: "${{ params.n + 1 }}"
                  tags: "${{ params.tags }}"
                  nested:
                    list: [1, "${{ params.n * 10 }}", { deep: "x-${{ params.who }}", flag: "${{ params.n > 1 }}" }]
                    literal: { k: [true, null, 2.5] }
                  escaped: "$${{ not.an.expression }}"
        """;

    private static readonly ExpressionScope Scope = new() { Params = Obj("""{"who":"Ada","n":4,"tags":["x","y"]}""") };

    private static ValueTemplate With()
    {
        var loaded = PlaybookLoader.Load(Yaml, "with-values.yaml");
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        return loaded.Playbook!.Tasks[0].Steps[0].With!;
    }

    [Fact]
    public void Render_NestedWith_EvaluatesAtEveryDepthAndKeepsTypes()
    {
        var rendered = With().Render(ExpressionEngine.Shared, Scope);

        var expected = JsonNode.Parse("""
            {
              "plain": 1,
              "greeting": "Hello Ada!",
              "count": 5,
              "tags": ["x", "y"],
              "nested": {
                "list": [1, 40, { "deep": "x-Ada", "flag": true }],
                "literal": { "k": [true, null, 2.5] }
              },
              "escaped": "${{ not.an.expression }}"
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, rendered), rendered?.ToJsonString());
    }

    [Fact]
    public void Render_NestedWith_KeepsKeyOrder()
    {
        var rendered = With().Render(ExpressionEngine.Shared, Scope)!.AsObject();

        Assert.Equal(["plain", "greeting", "count", "tags", "nested", "escaped"], rendered.Select(p => p.Key).ToArray());
    }

    [Fact]
    public void Templates_NestedWith_ListsEveryExpressionWithPosition()
    {
        var with = With();

        var templates = with.Templates().ToList();

        Assert.False(with.IsConstant);
        Assert.Equal(6, templates.Count);
        Assert.All(templates, t => Assert.True(t.Position.Line > 1));
        Assert.Equal(["Hello ${{ params.who }}!", "${{ params.n + 1 }}"], templates.Take(2).Select(t => t.Template.Source).ToArray());
    }

    [Fact]
    public void Render_TwiceWithDifferentScopes_GivesIndependentResults()
    {
        var with = With();

        var first = with.Render(ExpressionEngine.Shared, Scope)!;
        var second = with.Render(ExpressionEngine.Shared, new ExpressionScope { Params = Obj("""{"who":"Bo","n":1,"tags":[]}""") })!;

        Assert.Equal("Hello Ada!", first["greeting"]!.GetValue<string>());
        Assert.Equal("Hello Bo!", second["greeting"]!.GetValue<string>());
        Assert.Equal("false", second["nested"]!["list"]![2]!["flag"]!.ToJsonString());
    }

    [Fact]
    public void Render_LiteralSubtreeMutated_TemplateUnchanged()
    {
        var with = With();

        var first = with.Render(ExpressionEngine.Shared, Scope)!;
        first["nested"]!["literal"]!["k"]!.AsArray().Add(99);
        first["nested"]!["literal"]!.AsObject()["added"] = 1;

        var second = with.Render(ExpressionEngine.Shared, Scope)!;
        Assert.Equal("""{"k":[true,null,2.5]}""", second["nested"]!["literal"]!.ToJsonString());
    }

    [Fact]
    public void LiteralValue_RenderResultMutated_ValueUnchanged()
    {
        var literal = new LiteralValue(JsonNode.Parse("""{"a":[1,2],"b":{"c":true}}"""), SourcePosition.Start);

        var rendered = literal.Render(ExpressionEngine.Shared, ExpressionScope.Empty)!;
        rendered["a"]!.AsArray().Add(3);
        rendered["b"]!["c"] = false;
        rendered.AsObject().Remove("a");

        Assert.Equal("""{"a":[1,2],"b":{"c":true}}""", literal.Value!.ToJsonString());
        Assert.Equal("""{"a":[1,2],"b":{"c":true}}""", literal.Render(ExpressionEngine.Shared, ExpressionScope.Empty)!.ToJsonString());
        Assert.True(literal.IsConstant);
    }

    [Fact]
    public void LiteralValue_Render_ReturnsNewNodeEachTime()
    {
        var literal = new LiteralValue(JsonNode.Parse("[1]"), SourcePosition.Start);

        var first = literal.Render(ExpressionEngine.Shared, ExpressionScope.Empty);
        var second = literal.Render(ExpressionEngine.Shared, ExpressionScope.Empty);

        Assert.NotSame(first, second);
        Assert.NotSame(literal.Value, first);
    }

    [Fact]
    public void LiteralValue_Null_RendersNull()
    {
        Assert.Null(new LiteralValue(null, SourcePosition.Start).Render(ExpressionEngine.Shared, ExpressionScope.Empty));
    }

    [Fact]
    public void MapValue_HandBuilt_RendersEntriesAndIndexer()
    {
        var map = new MapValue(
            [
                new("a", new TemplateValue(Template.Parse("${{ params.n }}"), SourcePosition.Start)),
                new("b", new ListValue([new LiteralValue(JsonValue.Create("x"), SourcePosition.Start), new TemplateValue(Template.Parse("n=${{ params.n }}"), SourcePosition.Start)], SourcePosition.Start)),
            ],
            SourcePosition.Start);

        var rendered = map.Render(ExpressionEngine.Shared, Scope);

        Assert.Equal("""{"a":4,"b":["x","n=4"]}""", rendered!.ToJsonString());
        Assert.IsType<ListValue>(map["b"]);
        Assert.Null(map["missing"]);
    }

    [Fact]
    public void TemplateValue_ExpressionThrows_PropagatesExpressionException()
    {
        var value = new TemplateValue(Template.Parse("${{ params.nope.deeper }}"), SourcePosition.Start);

        var error = Assert.Throws<ExpressionException>(() => value.Render(ExpressionEngine.Shared, Scope));

        Assert.Contains("params.nope.deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListValue_Empty_RendersEmptyArray()
    {
        Assert.Equal("[]", new ListValue(ImmutableArray<ValueTemplate>.Empty, SourcePosition.Start).Render(ExpressionEngine.Shared, Scope)!.ToJsonString());
    }
}
