using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using static Orleans.Workflow.Playbooks.Tests.Expressions.ExpressionKit;

namespace Orleans.Workflow.Playbooks.Tests.Expressions;

public class ExpressionEngineTests
{
    [Theory]
    [InlineData("params.run_date", "\"2024-05-01\"")]
    [InlineData("params.countries", "[\"DE\",\"FR\"]")]
    [InlineData("params.limit", "3")]
    [InlineData("run.id", "\"run-42\"")]
    [InlineData("run.logical_date", "\"2024-05-01\"")]
    [InlineData("run.trigger.kind", "\"schedule\"")]
    [InlineData("run.attempt", "1")]
    [InlineData("tasks.extract.status", "\"succeeded\"")]
    [InlineData("tasks.extract.outputs.length", "3")]
    [InlineData("steps.fetch.output.body", "\"hello\"")]
    [InlineData("steps.fetch.status", "\"succeeded\"")]
    [InlineData("item", "\"FR\"")]
    [InlineData("index", "1")]
    [InlineData("secrets.TOKEN", "\"s3cret\"")]
    [InlineData("tasks['extract'].outputs[0].rows[1]", "2")]
    public void Evaluate_ScopeRoot_ReadsValue(string source, string json)
    {
        Assert.Equal(json, Json(Eval(source, FullScope())));
    }

    [Theory]
    [InlineData("params")]
    [InlineData("run")]
    [InlineData("tasks")]
    [InlineData("steps")]
    [InlineData("item")]
    [InlineData("index")]
    [InlineData("secrets")]
    public void Evaluate_EmptyScopeRoot_IsUndefinedNotError(string root)
    {
        Assert.Equal("\"undefined\"", Json(Eval($"typeof {root}")));
    }

    [Fact]
    public void Evaluate_IndexZeroWithoutItem_IndexIsZero()
    {
        Assert.Equal("0", Json(Eval("index", new ExpressionScope { Index = 0 })));
    }

    [Fact]
    public void Evaluate_FlatMapOverTaskOutputs_FlattensRows()
    {
        Assert.Equal("[1,2,3]", Json(Eval("tasks.extract.outputs.flatMap(o => o.rows)", FullScope())));
    }

    [Theory]
    [InlineData("params.countries.map(c => c.toLowerCase())", "[\"de\",\"fr\"]")]
    [InlineData("params.countries.filter((c, i) => i > 0)", "[\"FR\"]")]
    [InlineData("tasks.extract.outputs.reduce((n, o) => n + o.rows.length, 0)", "3")]
    [InlineData("[params.run_date, ...params.countries]", "[\"2024-05-01\",\"DE\",\"FR\"]")]
    [InlineData("params.countries.includes(item)", "true")]
    [InlineData("params.countries.join(',')", "\"DE,FR\"")]
    [InlineData("Object.keys(run.trigger)", "[\"kind\",\"scheduled_at\"]")]
    [InlineData("tasks.nope?.outputs ?? 'none'", "\"none\"")]
    [InlineData("`${run.id}/${index + 1}`", "\"run-42/2\"")]
    [InlineData("(({ a, b }) => a + b)({ a: 1, b: 2 })", "3")]
    [InlineData("[...params.countries].sort().reverse()", "[\"FR\",\"DE\"]")]
    [InlineData("params.countries.find(c => c === 'FR')", "\"FR\"")]
    [InlineData("Math.max(...tasks.extract.outputs.map(o => o.rows.length))", "2")]
    [InlineData("JSON.parse('{\"a\":[1]}')", "{\"a\":[1]}")]
    [InlineData("JSON.stringify({a: params.limit})", "\"{\\u0022a\\u0022:3}\"")]
    public void Evaluate_ArrowFunctionsAndArrayMethods_Work(string source, string json)
    {
        Assert.Equal(json, Json(Eval(source, FullScope())));
    }

    [Theory]
    [InlineData("3", "3")]
    [InlineData("6 / 2", "3")]
    [InlineData("1.0", "1")]
    [InlineData("-4", "-4")]
    [InlineData("2 ** 53", "9007199254740992")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("0.1", "0.1")]
    [InlineData("[1.0, 2.5, 3]", "[1,2.5,3]")]
    [InlineData("({n: 7 * 6})", "{\"n\":42}")]
    public void Evaluate_Numbers_IntegersStayIntegers(string source, string json)
    {
        Assert.Equal(json, Json(Eval(source)));
    }

    [Fact]
    public void Evaluate_IntegerResult_ReadsBackAsLong()
    {
        var value = Assert.IsAssignableFrom<JsonValue>(Eval("params.limit * 2", FullScope()));

        Assert.True(value.TryGetValue<long>(out var whole));
        Assert.Equal(6, whole);
    }

    [Fact]
    public void Evaluate_DateResult_BecomesIsoString()
    {
        var result = Eval("new Date(Date.UTC(2024, 4, 1, 2, 3, 4, 5))");

        Assert.Equal(JsonValueKind.String, result!.GetValueKind());
        Assert.Equal("2024-05-01T02:03:04.005Z", result.GetValue<string>());
    }

    [Fact]
    public void Evaluate_DateInsideObject_BecomesIsoString()
    {
        Assert.Equal("{\"at\":\"1970-01-01T00:00:00.000Z\"}", Json(Eval("({ at: new Date(0) })")));
    }

    [Fact]
    public void Evaluate_InvalidDate_ThrowsExpressionException()
    {
        var error = Fails("new Date('not a date')");

        Assert.Contains("invalid Date", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("new Date(8.64e15)")]
    [InlineData("new Date(-8.64e15)")]
    [InlineData("new Date(Date.UTC(-1, 0, 1))")]
    public void Evaluate_DateOutsideIsoRange_ThrowsExpressionException(string source)
    {
        var error = Fails(source);

        Assert.Contains("Date", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x => x", "function")]
    [InlineData("Math.max", "function")]
    [InlineData("(function named() {})", "function")]
    [InlineData("0 / 0", "NaN")]
    [InlineData("NaN", "NaN")]
    [InlineData("1 / 0", "Infinity")]
    [InlineData("-Infinity", "Infinity")]
    [InlineData("Symbol('x')", "Symbol")]
    [InlineData("[1, NaN]", "NaN")]
    public void Evaluate_NonDataResult_ThrowsClearExpressionException(string source, string mention)
    {
        var error = Fails(source);

        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ObjectWithFunctionProperty_DropsTheFunctionLikeJson()
    {
        Assert.Equal("{\"a\":1}", Json(Eval("({ a: 1, f: () => 2, u: undefined })")));
    }

    [Fact]
    public void Evaluate_CyclicObject_ThrowsExpressionException()
    {
        var error = Fails("(() => { const a = {}; a.self = a; return a; })()");

        Assert.Contains("nested deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_HugeSparseArrayResult_ThrowsExpressionException()
    {
        var engine = new ExpressionEngine();

        var error = Fails("(() => { const a = []; a.length = 4294967295; return a; })()", engine: engine);

        Assert.Contains("elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ThrownError_NamesExpressionAndMessage()
    {
        var error = Fails("(() => { throw new Error('boom') })()");

        Assert.Contains("(() => { throw new Error('boom') })()", error.Message, StringComparison.Ordinal);
        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Evaluate_ReadPropertyOfUndefined_NamesExpression()
    {
        var error = Fails("params.missing.deeper", new ExpressionScope { Params = [] });

        Assert.Contains("params.missing.deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ThrowNonError_NamesExpression()
    {
        var error = Fails("(() => { throw 'plain' })()");

        Assert.Contains("throw 'plain'", error.Message, StringComparison.Ordinal);
        Assert.Contains("plain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SameCompiledExpressionTwoScopes_UsesEachScope()
    {
        var expression = ExpressionCompiler.Compile("params.n + 1");
        var engine = new ExpressionEngine();

        var first = engine.Evaluate(expression, new ExpressionScope { Params = Obj("""{"n":1}""") });
        var second = engine.Evaluate(expression, new ExpressionScope { Params = Obj("""{"n":10}""") });

        Assert.Equal("2", Json(first));
        Assert.Equal("11", Json(second));
    }

    [Fact]
    public void Evaluate_ResultFromScope_IsIndependentCopy()
    {
        var scope = new ExpressionScope { Params = Obj("""{"list":[1,2]}""") };

        var result = Eval("params.list", scope)!.AsArray();
        result.Add(3);

        Assert.Equal("[1,2]", scope.Params!["list"]!.ToJsonString());
    }

    [Fact]
    public void TryCompile_SyntaxError_GivesOffsetAndMessage()
    {
        Assert.False(ExpressionCompiler.TryCompile("1 +", out var expression, out var error));

        Assert.Null(expression);
        Assert.NotNull(error);
        Assert.StartsWith("expression syntax", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void TryCompile_Empty_Fails(string source)
    {
        Assert.False(ExpressionCompiler.TryCompile(source, out _, out var error));
        Assert.Equal("empty expression", error!.Message);
    }

    [Theory]
    [InlineData("1; 2")]
    [InlineData("1) + (2")]
    public void TryCompile_NotOneExpression_Fails(string source)
    {
        Assert.False(ExpressionCompiler.TryCompile(source, out _, out _));
    }

    [Fact]
    public void Compile_References_ListsScopeReadsButNotArrowParameters()
    {
        var expression = ExpressionCompiler.Compile("tasks.extract.outputs.flatMap(o => o.rows).concat(params['x'])");

        Assert.Equal(
            ["tasks.extract.outputs.flatMap", "params.x"],
            expression.References.Select(r => r.Describe()).ToArray());
    }

    [Fact]
    public void TryCompile_ManyThreadsAtOnce_EachGetsItsOwnExpression()
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var names = string.Join(", ", Enumerable.Range(0, 50).Select(k => $"params.p{i}_{k}"));
            var (source, valid) = (i % 3) switch
            {
                0 => ($"[{names}, /a{i}\\d+/.source]", true),
                1 => ($"[{names}].map(x => x + {i})", true),
                _ => ($"[{names}, ({{ n: {i} *", false),
            };
            try
            {
                var compiled = ExpressionCompiler.TryCompile(source, out var expression, out var error);
                if (compiled != valid || (!valid && error is null))
                {
                    failures.Add($"{i}: compiled={compiled} {error?.Message}");
                }
                else if (valid && (expression!.References.Length != 50 || expression.References[49].Describe() != $"params.p{i}_49"))
                {
                    failures.Add($"{i}: wrong references {string.Join(",", expression.References.Select(r => r.Describe()))}");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{i}: {ex.GetType().Name}: {ex.Message}");
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void Template_ParseManyThreadsAtOnce_AllEvaluateCorrectly()
    {
        var results = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();

        Parallel.For(0, 1500, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = Template.Parse($"v${{{{ {{a:{{b:{i}}}}}.a.b }}}}!").EvaluateText(ExpressionEngine.Shared, ExpressionScope.Empty));

        Assert.All(results, r => Assert.Equal($"v{r.Key}!", r.Value));
    }
}
