using System.Text.Json;
using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Playbooks.Tests.Syntax;

public class YamlScalarsTests
{
    private static YamlScalar Plain(string value) => new(value, YamlScalarStyle.Plain, SourcePosition.Start);

    [Theory]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("", "null")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("2024-01-01", "\"2024-01-01\"")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("0o9", "\"0o9\"")]
    [InlineData("1_000", "\"1_000\"")]
    [InlineData("hello", "\"hello\"")]
    public void ToJson_PlainScalar_ResolvesByCoreSchema(string value, string json)
    {
        var node = YamlScalars.ToJson(Plain(value));
        Assert.Equal(json, node is null ? "null" : node.ToJsonString());
    }

    [Theory]
    [InlineData("true")]
    [InlineData("42")]
    [InlineData("~")]
    public void ToJson_QuotedScalar_IsAlwaysText(string value)
    {
        var node = YamlScalars.ToJson(new YamlScalar(value, YamlScalarStyle.Quoted, SourcePosition.Start));
        Assert.Equal(JsonValueKind.String, node!.GetValueKind());
        Assert.Equal(value, node.GetValue<string>());
    }

    [Fact]
    public void IsNull_QuotedTilde_IsNotNull()
    {
        Assert.True(Plain("~").IsNull);
        Assert.False(new YamlScalar("~", YamlScalarStyle.Quoted, SourcePosition.Start).IsNull);
    }
}
