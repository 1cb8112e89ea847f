using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;

namespace Orleans.Workflow.Playbooks.Tests.Params;

public class ParamCoercionTests
{
    private static ParamSpec Spec(ParamType type, params string[] options) =>
        new("p", type, null, [.. options], null, SourcePosition.Start);

    private static string Coerced(ParamType type, JsonNode? value, params string[] options)
    {
        Assert.True(ParamCoercion.TryCoerce(Spec(type, options), value, out var result, out var problem), $"rejected: {problem}");
        Assert.Equal(string.Empty, problem);
        return result!.ToJsonString();
    }

    private static string Rejected(ParamType type, JsonNode? value, params string[] options)
    {
        Assert.False(ParamCoercion.TryCoerce(Spec(type, options), value, out var result, out var problem), $"accepted as {result?.ToJsonString()}");
        Assert.Null(result);
        Assert.False(string.IsNullOrWhiteSpace(problem));
        return problem;
    }

    private static JsonValue Text(string text) => JsonValue.Create(text);

    private static JsonNode? Parsed(string json) => JsonNode.Parse(json);

    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("", "\"\"")]
    [InlineData("3", "\"3\"")]
    public void TryCoerce_StringFromText_KeepsText(string text, string json)
    {
        Assert.Equal(json, Coerced(ParamType.String, Text(text)));
    }

    [Theory]
    [InlineData("3", "\"3\"")]
    [InlineData("2.5", "\"2.5\"")]
    [InlineData("true", "\"true\"")]
    public void TryCoerce_StringFromScalar_GivesItsText(string json, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.String, Parsed(json)));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"a\":1}")]
    public void TryCoerce_StringFromListOrObject_Rejected(string json)
    {
        Assert.Contains("text", Rejected(ParamType.String, Parsed(json)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData(" 42 ", 42)]
    [InlineData("-7", -7)]
    [InlineData("+5", 5)]
    [InlineData("0", 0)]
    [InlineData("9007199254740993", 9007199254740993)]
    public void TryCoerce_IntFromText_ParsesWholeNumber(string text, long expected)
    {
        Assert.True(ParamCoercion.TryCoerce(Spec(ParamType.Int), Text(text), out var result, out _));

        Assert.Equal(JsonValueKind.Number, result!.GetValueKind());
        Assert.Equal(expected, result.GetValue<long>());
    }

    [Theory]
    [InlineData("3.5")]
    [InlineData("3.0")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("3 apples")]
    [InlineData("99999999999999999999")]
    public void TryCoerce_IntFromBadText_RejectedShowingValue(string text)
    {
        var problem = Rejected(ParamType.Int, Text(text));

        Assert.Contains("whole number", problem, StringComparison.Ordinal);
        Assert.Contains(JsonSerializer.Serialize(text), problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", "3")]
    [InlineData("3.0", "3")]
    [InlineData("-12", "-12")]
    [InlineData("9007199254740993", "9007199254740993")]
    public void TryCoerce_IntFromJsonNumber_Accepted(string json, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.Int, Parsed(json)));
    }

    [Theory]
    [InlineData("3.5")]
    [InlineData("true")]
    [InlineData("[3]")]
    [InlineData("1e300")]
    public void TryCoerce_IntFromOtherJson_Rejected(string json)
    {
        Rejected(ParamType.Int, Parsed(json));
    }

    [Theory]
    [InlineData("3.5", 3.5)]
    [InlineData("3", 3)]
    [InlineData(" -1e3 ", -1000)]
    [InlineData("0.001", 0.001)]
    public void TryCoerce_NumberFromText_Parses(string text, double expected)
    {
        Assert.True(ParamCoercion.TryCoerce(Spec(ParamType.Number), Text(text), out var result, out _));

        Assert.Equal(expected, result!.GetValue<double>());
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("")]
    public void TryCoerce_NumberFromBadText_Rejected(string text)
    {
        Assert.Contains("expected a number", Rejected(ParamType.Number, Text(text)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.5", "2.5")]
    [InlineData("7", "7")]
    public void TryCoerce_NumberFromJsonNumber_Kept(string json, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.Number, Parsed(json)));
    }

    [Fact]
    public void TryCoerce_NumberFromBool_Rejected()
    {
        Rejected(ParamType.Number, Parsed("true"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("yes", true)]
    [InlineData("no", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("TRUE", true)]
    [InlineData(" Yes ", true)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    public void TryCoerce_BoolFromText_Parses(string text, bool expected)
    {
        Assert.Equal(expected ? "true" : "false", Coerced(ParamType.Bool, Text(text)));
    }

    [Theory]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    public void TryCoerce_BoolFromJsonBool_Kept(string json, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.Bool, Parsed(json)));
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    [InlineData("")]
    public void TryCoerce_BoolFromBadText_Rejected(string text)
    {
        Assert.Contains("true or false", Rejected(ParamType.Bool, Text(text)), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_BoolFromJsonNumber_Rejected()
    {
        Rejected(ParamType.Bool, Parsed("1"));
    }

    [Theory]
    [InlineData("2024-05-01")]
    [InlineData("2024-02-29")]
    [InlineData(" 2024-12-31 ")]
    public void TryCoerce_DateFromText_Accepted(string text)
    {
        Assert.Equal($"\"{text.Trim()}\"", Coerced(ParamType.Date, Text(text)));
    }

    [Theory]
    [InlineData("2024-13-01")]
    [InlineData("2024-02-30")]
    [InlineData("2023-02-29")]
    [InlineData("2024-5-1")]
    [InlineData("01.05.2024")]
    [InlineData("2024-05-01T00:00:00Z")]
    [InlineData("yesterday")]
    public void TryCoerce_DateFromBadText_Rejected(string text)
    {
        Assert.Contains("YYYY-MM-DD", Rejected(ParamType.Date, Text(text)), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_DateFromNumber_Rejected()
    {
        Rejected(ParamType.Date, Parsed("20240501"));
    }

    [Theory]
    [InlineData("2024-05-01T02:00:00Z", "2024-05-01T02:00:00+00:00")]
    [InlineData("2024-05-01T02:00:00", "2024-05-01T02:00:00+00:00")]
    [InlineData("2024-05-01T02:00:00+02:00", "2024-05-01T02:00:00+02:00")]
    [InlineData("2024-05-01T02:00:00.250Z", "2024-05-01T02:00:00.25+00:00")]
    [InlineData("2024-05-01t02:00:00z", "2024-05-01T02:00:00+00:00")]
    public void TryCoerce_DateTimeFromIsoText_Normalised(string text, string expected)
    {
        Assert.True(ParamCoercion.TryCoerce(Spec(ParamType.DateTime), Text(text), out var result, out var problem), problem);

        Assert.Equal(expected, result!.GetValue<string>());
    }

    [Theory]
    [InlineData("2024-05-01")]
    [InlineData("2024-05-01 02:00:00")]
    [InlineData("2024-05-01T25:00:00Z")]
    [InlineData("Wed, 01 May 2024 02:00:00 GMT")]
    [InlineData("2024-05-01 02:00:00 GMT")]
    [InlineData("Tomorrow")]
    [InlineData("2024-05-01T")]
    [InlineData("2024-05-01Tnoon")]
    public void TryCoerce_DateTimeFromNonIsoText_Rejected(string text)
    {
        Assert.Contains("ISO 8601", Rejected(ParamType.DateTime, Text(text)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", "30s")]
    [InlineData("90s", "1m30s")]
    [InlineData("1h30m", "1h30m")]
    [InlineData("500ms", "500ms")]
    [InlineData("1d", "1d")]
    [InlineData("PT1H", "1h")]
    [InlineData("PT30S", "30s")]
    public void TryCoerce_DurationFromText_Normalised(string text, string expected)
    {
        Assert.Equal($"\"{expected}\"", Coerced(ParamType.Duration, Text(text)));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("30")]
    [InlineData("-PT1H")]
    [InlineData("5m1h")]
    [InlineData("")]
    public void TryCoerce_DurationFromBadText_Rejected(string text)
    {
        Assert.Contains("duration", Rejected(ParamType.Duration, Text(text)), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_DurationFromNumber_Rejected()
    {
        Rejected(ParamType.Duration, Parsed("30"));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("thorough")]
    public void TryCoerce_ChoiceInOptions_Accepted(string text)
    {
        Assert.Equal($"\"{text}\"", Coerced(ParamType.Choice, Text(text), "fast", "thorough"));
    }

    [Theory]
    [InlineData("slow")]
    [InlineData("Fast")]
    [InlineData("")]
    public void TryCoerce_ChoiceOutOfOptions_RejectedListingOptions(string text)
    {
        var problem = Rejected(ParamType.Choice, Text(text), "fast", "thorough");

        Assert.Contains("fast, thorough", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_ChoiceFromNumberMatchingOption_GivesText()
    {
        Assert.Equal("\"1\"", Coerced(ParamType.Choice, Parsed("1"), "1", "2"));
    }

    [Fact]
    public void TryCoerce_ChoiceFromList_Rejected()
    {
        Rejected(ParamType.Choice, Parsed("[\"fast\"]"), "fast");
    }

    [Theory]
    [InlineData("[\"a\",\"b\"]", "[\"a\",\"b\"]")]
    [InlineData(" [1, {\"x\": true}] ", "[1,{\"x\":true}]")]
    [InlineData("[]", "[]")]
    [InlineData("a,b,c", "[\"a\",\"b\",\"c\"]")]
    [InlineData(" DE , FR ", "[\"DE\",\"FR\"]")]
    [InlineData("single", "[\"single\"]")]
    [InlineData("", "[]")]
    public void TryCoerce_ListFromText_ParsesJsonOrCommas(string text, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.List, Text(text)));
    }

    [Theory]
    [InlineData("[1, 2")]
    [InlineData("{\"a\": 1}")]
    [InlineData("[\"a\"] trailing")]
    public void TryCoerce_ListFromBrokenJsonText_Rejected(string text)
    {
        Assert.Contains("expected a list", Rejected(ParamType.List, Text(text)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("{\"a\":1}")]
    [InlineData("true")]
    public void TryCoerce_ListFromNonListJson_Rejected(string json)
    {
        Rejected(ParamType.List, Parsed(json));
    }

    [Fact]
    public void TryCoerce_ListFromJsonArray_ReturnsCopy()
    {
        var given = Parsed("[1,[2]]")!.AsArray();

        Assert.True(ParamCoercion.TryCoerce(Spec(ParamType.List), given, out var result, out _));
        given[1]!.AsArray().Add(3);

        Assert.NotSame(given, result);
        Assert.Equal("[1,[2]]", result!.ToJsonString());
    }

    [Theory]
    [InlineData("{\"a\":1,\"b\":[true]}", "{\"a\":1,\"b\":[true]}")]
    [InlineData(" {} ", "{}")]
    public void TryCoerce_ObjectFromJsonText_Parses(string text, string expected)
    {
        Assert.Equal(expected, Coerced(ParamType.Object, Text(text)));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("a=1")]
    [InlineData("{a: 1}")]
    [InlineData("")]
    [InlineData("null")]
    public void TryCoerce_ObjectFromBadText_Rejected(string text)
    {
        Assert.Contains("expected an object", Rejected(ParamType.Object, Text(text)), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_ObjectFromJsonObject_ReturnsCopy()
    {
        var given = Parsed("{\"a\":{\"b\":1}}")!.AsObject();

        Assert.True(ParamCoercion.TryCoerce(Spec(ParamType.Object), given, out var result, out _));
        given["a"]!["b"] = 2;

        Assert.Equal("{\"a\":{\"b\":1}}", result!.ToJsonString());
    }

    [Theory]
    [InlineData(ParamType.String)]
    [InlineData(ParamType.Int)]
    [InlineData(ParamType.Number)]
    [InlineData(ParamType.Bool)]
    [InlineData(ParamType.Date)]
    [InlineData(ParamType.DateTime)]
    [InlineData(ParamType.Duration)]
    [InlineData(ParamType.List)]
    [InlineData(ParamType.Object)]
    public void TryCoerce_Null_RejectedForEveryType(ParamType type)
    {
        Assert.Contains("null", Rejected(type, null), StringComparison.Ordinal);
    }

    [Fact]
    public void TryCoerce_LongValue_ProblemIsShortened()
    {
        var problem = Rejected(ParamType.Int, Text(new string('x', 500)));

        Assert.True(problem.Length < 200, problem);
        Assert.Contains("...", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("string", ParamType.String)]
    [InlineData("int", ParamType.Int)]
    [InlineData("number", ParamType.Number)]
    [InlineData("bool", ParamType.Bool)]
    [InlineData("date", ParamType.Date)]
    [InlineData("datetime", ParamType.DateTime)]
    [InlineData("duration", ParamType.Duration)]
    [InlineData("choice", ParamType.Choice)]
    [InlineData("list", ParamType.List)]
    [InlineData("object", ParamType.Object)]
    public void ParamTypes_EveryName_RoundTrips(string name, ParamType type)
    {
        Assert.True(ParamTypes.TryParse(name, out var parsed));
        Assert.Equal(type, parsed);
        Assert.Equal(name, ParamTypes.Name(type));
    }

    [Theory]
    [InlineData("integer")]
    [InlineData("Int")]
    [InlineData("")]
    public void ParamTypes_UnknownName_NotParsed(string name)
    {
        Assert.False(ParamTypes.TryParse(name, out _));
    }

    [Fact]
    public void ParamTypes_All_CoversEveryEnumValue()
    {
        Assert.Equal(Enum.GetValues<ParamType>().Length, ParamTypes.All.Count);
        Assert.Equal(ImmutableArray.CreateRange(Enum.GetValues<ParamType>().Select(ParamTypes.Name)), ParamTypes.All);
    }
}
