using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using static Orleans.Workflow.Playbooks.Tests.Expressions.ExpressionKit;

namespace Orleans.Workflow.Playbooks.Tests.Expressions;

/// <summary>Each test uses its own engine, so a sandbox that fails to contain something cannot spoil other tests.</summary>
public class SandboxTests
{
    private readonly ExpressionEngine _engine = new();

    // Tests of a size budget must not trip the 100 ms time limit on a loaded machine (a fresh engine's first run is slow).
    private static readonly TimeSpan UnhurriedTimeout = TimeSpan.FromSeconds(30);
    private readonly ExpressionEngine _unhurried = new(new ExpressionLimits { Timeout = UnhurriedTimeout });

    [Theory]
    [InlineData("System")]
    [InlineData("System.IO.File")]
    [InlineData("importNamespace('System')")]
    [InlineData("clrHelper")]
    [InlineData("clrHelper.typeOf('x')")]
    [InlineData("host")]
    [InlineData("require('fs')")]
    [InlineData("process.env")]
    public void Evaluate_ClrOrHostAccess_ThrowsExpressionException(string source)
    {
        Fails(source, engine: _engine);
    }

    [Theory]
    [InlineData("System")]
    [InlineData("importNamespace")]
    [InlineData("clrHelper")]
    [InlineData("setTimeout")]
    [InlineData("require")]
    public void Evaluate_TypeofHostName_IsUndefined(string name)
    {
        Assert.Equal("\"undefined\"", Json(Eval($"typeof {name}", engine: _engine)));
    }

    [Fact]
    public void Evaluate_ScopeValue_HasNoClrMembers()
    {
        var scope = new ExpressionScope { Params = Obj("""{"a":{"b":1}}""") };

        Assert.Equal("\"undefined\"", Json(Eval("typeof params.a.GetType", scope, _engine)));
        Fails("params.a.GetType()", scope, _engine);
    }

    [Theory]
    [InlineData("eval('1')")]
    [InlineData("(0, eval)('1')")]
    [InlineData("new Function('return 1')")]
    [InlineData("Function('return 1')()")]
    [InlineData("(() => 0).constructor('return 1')()")]
    [InlineData("Object.getPrototypeOf(function* () {}).constructor('yield 1')")]
    [InlineData("Object.getPrototypeOf(async () => {}).constructor('return 1')")]
    public void Evaluate_StringCompilation_ThrowsExpressionException(string source)
    {
        Fails(source, engine: _engine);
    }

    [Theory]
    [InlineData("Array.prototype.x = 1", "[].x")]
    [InlineData("Object.prototype.polluted = 1", "({}).polluted")]
    [InlineData("Array.prototype.map = () => 'hacked'", "[1].map(x => x) === 'hacked' ? 'hacked' : null")]
    [InlineData("String.prototype.trim = () => 'hacked'", "' a '.trim() === 'hacked' ? 'hacked' : null")]
    [InlineData("RegExp.prototype.exec = () => null", "/a/.test('a') ? null : 'hacked'")]
    [InlineData("Function.prototype.call = () => 'hacked'", "Math.max.call(null, 1, 2) === 'hacked' ? 'hacked' : null")]
    [InlineData("Math.PI = 3", "Math.PI === 3 ? 'hacked' : null")]
    [InlineData("JSON.stringify = () => 'hacked'", "JSON.stringify(1) === 'hacked' ? 'hacked' : null")]
    [InlineData("Object.defineProperty(Object.prototype, 'polluted', { value: 1 })", "({}).polluted")]
    [InlineData("Object.setPrototypeOf(Array.prototype, { polluted: 1 })", "[].polluted")]
    [InlineData("delete Array.prototype.map", "typeof [].map === 'function' ? null : 'hacked'")]
    [InlineData("Array.prototype.map.leak = 'hacked'", "[].map.leak")]
    [InlineData("Math.max.leak = 'hacked'", "Math.max.leak")]
    [InlineData("JSON.parse.leak = 'hacked'", "JSON.parse.leak")]
    [InlineData("Array.prototype[Symbol.unscopables].leak = 'hacked'", "Array.prototype[Symbol.unscopables].leak")]
    [InlineData("Object.getPrototypeOf([][Symbol.iterator]()).next.leak = 'hacked'", "Object.getPrototypeOf([][Symbol.iterator]()).next.leak")]
    [InlineData("Object.getOwnPropertyDescriptor(Object.prototype, '__proto__').get.leak = 'hacked'", "Object.getOwnPropertyDescriptor(Object.prototype, '__proto__').get.leak")]
    public void Evaluate_ChangeToBuiltIn_ThrowsAndDoesNotLeak(string attack, string probe)
    {
        Assert.Null(Eval(probe, engine: _engine)); // warm the pooled sandbox that the attack will run on

        Fails($"(() => {{ {attack}; }})()", engine: _engine);

        Assert.Null(Eval(probe, engine: _engine));
    }

    [Theory]
    [InlineData("params.x = 2")]
    [InlineData("params.nested.y = 1")]
    [InlineData("params.list.push(3)")]
    [InlineData("params.list[0] = 9")]
    [InlineData("delete params.x")]
    [InlineData("params = {}")]
    [InlineData("run.id = 'other'")]
    [InlineData("tasks.t.outputs.v = 1")]
    [InlineData("steps.s.output = 1")]
    [InlineData("secrets.TOKEN = 'x'")]
    [InlineData("item.k = 1")]
    [InlineData("index = 5")]
    [InlineData("Object.defineProperty(params, 'z', { value: 1 })")]
    public void Evaluate_WriteToScopeData_ThrowsExpressionException(string write)
    {
        var scope = new ExpressionScope
        {
            Params = Obj("""{"x":1,"nested":{"y":0},"list":[1,2]}"""),
            Run = Obj("""{"id":"r1"}"""),
            Tasks = Obj("""{"t":{"outputs":{"v":0}}}"""),
            Steps = Obj("""{"s":{"output":0}}"""),
            Item = Obj("""{"k":0}"""),
            Index = 0,
            Secrets = new Dictionary<string, string> { ["TOKEN"] = "t" },
        };

        Fails($"(() => {{ {write}; }})()", scope, _engine);

        Assert.Equal("1", Json(Eval("params.x", scope, _engine)));
        Assert.Equal("[1,2]", Json(Eval("params.list", scope, _engine)));
    }

    [Fact]
    public void Evaluate_NextScope_SeesNothingOfThePrevious()
    {
        var first = new ExpressionScope
        {
            Params = Obj("""{"a":1}"""),
            Item = JsonValue.Create("x"),
            Index = 3,
            Secrets = new Dictionary<string, string> { ["TOKEN"] = "first" },
        };
        var second = new ExpressionScope { Params = Obj("""{"b":2}""") };

        Assert.Equal("1", Json(Eval("params.a", first, _engine)));

        Assert.Null(Eval("params.a", second, _engine));
        Assert.Equal("2", Json(Eval("params.b", second, _engine)));
        Assert.Equal("\"undefined\"", Json(Eval("typeof item", second, _engine)));
        Assert.Equal("\"undefined\"", Json(Eval("typeof index", second, _engine)));
        Assert.Equal("\"undefined\"", Json(Eval("typeof secrets", second, _engine)));
        Assert.Equal("\"undefined\"", Json(Eval("typeof params", ExpressionScope.Empty, _engine)));
    }

    [Theory]
    [InlineData("globalThis.leak = 1", "typeof leak")]
    [InlineData("leak = 1", "typeof leak")]
    [InlineData("Object.defineProperty(globalThis, 'leak', { value: 1 })", "typeof leak")]
    [InlineData("globalThis.JSON = null", "typeof JSON === 'object' && JSON !== null ? 'undefined' : 'hacked'")]
    [InlineData("globalThis.params = 1", "typeof params")]
    [InlineData("globalThis.Array = null", "typeof Array === 'function' ? 'undefined' : 'hacked'")]
    [InlineData("Object.defineProperty(globalThis, 'Math', { value: 1 })", "typeof Math === 'object' ? 'undefined' : 'hacked'")]
    [InlineData("delete globalThis.JSON", "typeof JSON === 'object' ? 'undefined' : 'hacked'")]
    public void Evaluate_AddOrReplaceGlobal_ThrowsAndDoesNotLeak(string attack, string probe)
    {
        Assert.Equal("\"undefined\"", Json(Eval(probe, engine: _engine)));

        Fails($"(() => {{ {attack}; }})()", engine: _engine);

        Assert.Equal("\"undefined\"", Json(Eval(probe, engine: _engine)));
    }

    [Fact]
    public void Evaluate_InfiniteLoop_HitsTimeLimitThenEngineRecovers()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { Timeout = TimeSpan.FromMilliseconds(50) });
        Assert.Equal("1", Json(Eval("1", engine: engine)));

        var error = Fails("(() => { while(true){} })()", engine: engine);

        Assert.Contains("ran longer than 50 ms (the time limit)", error.Message, StringComparison.Ordinal);
        Assert.Contains("while(true)", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: engine)));
    }

    [Fact]
    public void Evaluate_GetterLoopingWhileResultIsConverted_HitsTimeLimit()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { Timeout = TimeSpan.FromMilliseconds(50) });

        var error = Fails("({ a: 1, get b() { while (true) {} } })", engine: engine);

        Assert.Contains("the time limit", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: engine)));
    }

    [Fact]
    public void Evaluate_FirstUseOfFreshEngineWithSmallTimeLimit_DoesNotCountSandboxSetup()
    {
        // Building and hardening a fresh engine can take most of a second in a cold process; only the expression may count.
        var engine = new ExpressionEngine(new ExpressionLimits { Timeout = TimeSpan.FromMilliseconds(20) });

        Assert.Equal("3", Json(Eval("1 + 2", engine: engine)));
    }

    [Fact]
    public void Evaluate_SmallMemoryLimit_DoesNotCountSandboxSetup()
    {
        // Hardening a fresh engine allocates megabytes; only the expression may count.
        var engine = new ExpressionEngine(new ExpressionLimits { MemoryBytes = 256 * 1024, Timeout = UnhurriedTimeout });

        Assert.Equal("3", Json(Eval("[1, 2].length + 1", engine: engine)));
        Fails("'x'.repeat(1024 * 1024)", engine: engine);
    }

    [Fact]
    public void Evaluate_CatastrophicRegex_HitsTimeLimit()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { Timeout = TimeSpan.FromMilliseconds(50) });

        var error = Fails("/^(a+)+$/.test('a'.repeat(40) + 'b')", engine: engine);

        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: engine)));
    }

    [Fact]
    public void Evaluate_AllocationLoop_HitsMemoryLimitThenEngineRecovers()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { MemoryBytes = 4L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30) });

        var error = Fails("(() => { const a = []; while (true) { a.push('x'.repeat(1024) + a.length); } })()", engine: engine);

        Assert.Contains("used more than 4 MiB (the memory limit)", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: engine)));
    }

    [Theory]
    [InlineData("'x'.repeat(2 ** 25).length")]
    [InlineData("new Uint8Array(2 ** 26).length")]
    [InlineData("new ArrayBuffer(2 ** 26).byteLength")]
    public void Evaluate_OneBuiltInCallAllocatingPastLimit_HitsMemoryLimit(string source)
    {
        var error = Fails(source, engine: _engine);

        Assert.Contains("used more than 32 MiB (the memory limit)", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: _engine)));
    }

    [Fact]
    public void Evaluate_EndlessRecursion_HitsRecursionLimitThenEngineRecovers()
    {
        var error = Fails("(function f(){ return f(); })()", engine: _engine);

        Assert.Contains("recursed deeper than 64 calls (the recursion limit)", error.Message, StringComparison.Ordinal);
        Assert.Equal("2", Json(Eval("1 + 1", engine: _engine)));
    }

    [Fact]
    public void Evaluate_DeepButBoundedRecursion_Works()
    {
        Assert.Equal("55", Json(Eval("(function fib(n){ return n < 2 ? n : fib(n - 1) + fib(n - 2); })(10)", engine: _engine)));
    }

    [Theory]
    [InlineData("new Array(5000).fill(0)")]
    [InlineData("Array.from({ length: 5000 }, (_, i) => i)")]
    [InlineData("(() => { const a = []; for (let i = 0; i < 5000; i++) a.push(i); return a.length; })()")]
    public void Evaluate_ArrayOverMaxSize_ThrowsThenEngineRecovers(string source)
    {
        var engine = new ExpressionEngine(new ExpressionLimits { MaxArraySize = 1000, Timeout = UnhurriedTimeout });

        Fails(source, engine: engine);

        Assert.Equal("500", Json(Eval("new Array(500).fill(1).length", engine: engine)));
    }

    [Theory]
    [InlineData("'a1b22'.replace(/\\d+/g, 'x')", "\"axbx\"")]
    [InlineData("/(\\d+)-(\\d+)/.exec('v 12-34').slice(1)", "[\"12\",\"34\"]")]
    [InlineData("[...'a1b2'.matchAll(/\\d/g)].map(m => m[0])", "[\"1\",\"2\"]")]
    [InlineData("new Map([['a', 1]]).get('a')", "1")]
    [InlineData("[...new Set([1, 1, 2])]", "[1,2]")]
    [InlineData("Object.entries({a: 1}).map(([k, v]) => k + v)", "[\"a1\"]")]
    [InlineData("(() => { const o = {}; o.x = 1; return o; })()", "{\"x\":1}")]
    [InlineData("(() => { const a = [3, 1, 2]; a.sort(); a.push(4); return a; })()", "[1,2,3,4]")]
    [InlineData("Array.from(new Uint8Array([1, 2]))", "[1,2]")]
    [InlineData("new Uint8Array([1, 2])", "[1,2]")]
    [InlineData("(() => { try { null.x } catch (e) { return e instanceof TypeError; } })()", "true")]
    [InlineData("new Date('2024-05-01T00:00:00Z').toISOString()", "\"2024-05-01T00:00:00.000Z\"")]
    public void Evaluate_OrdinaryJavaScriptOnHardenedEngine_StillWorks(string source, string json)
    {
        Assert.Equal(json, Json(Eval(source, engine: _engine)));
        Assert.Equal(json, Json(Eval(source, engine: _engine)));
    }

    [Fact]
    public void Evaluate_LargeTypedArrayResult_ThrowsBeforeConverting()
    {
        // 10 MB inside the sandbox's memory limit, but ten million values for the host to build.
        var error = Fails("new Uint8Array(10000000)", engine: _unhurried);

        Assert.Contains("more than 1,000,000 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SmallTypedArrayResult_BecomesList()
    {
        Assert.Equal("[1,2,3]", Json(Eval("new Int16Array([1, 2, 3])", engine: _engine)));
    }

    [Fact]
    public void Evaluate_SharedReferencesExpandingToBillions_ThrowsBeforeConverting()
    {
        // Three arrays of 1,000 references each: tiny in the sandbox, 10^9 values once written out as data.
        var error = Fails("(() => { const a = Array(1000).fill(0); const b = Array(1000).fill(a); return Array(1000).fill(b); })()", engine: _unhurried);

        Assert.Contains("more than 1,000,000 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ResultOverCustomValueBudget_ThrowsExpressionException()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { MaxArraySize = 1000, Timeout = UnhurriedTimeout });

        var error = Fails("Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => 1))", engine: engine);

        Assert.Contains("more than 1,000 values", error.Message, StringComparison.Ordinal);
        Assert.Equal(500, Eval("Array.from({ length: 50 }, () => Array(9).fill(1))", engine: engine)!.AsArray().Sum(a => a!.AsArray().Count) + 50);
    }

    [Fact]
    public void Evaluate_TinyLimits_FailAsExpressionExceptionOnly()
    {
        var engine = new ExpressionEngine(new ExpressionLimits { Timeout = TimeSpan.FromTicks(1), MemoryBytes = 1 });

        var error = Record.Exception(() => Eval("[1, 2, 3].map(x => x * 2)", engine: engine));

        Assert.True(error is null or ExpressionException, $"expected an ExpressionException, got {error}");
    }

    [Fact]
    public void Evaluate_ParallelWithDistinctScopes_EveryResultIsItsOwn()
    {
        var expression = ExpressionCompiler.Compile("params.values.map(v => v * params.factor).concat([item, index]).join('|')");
        var engine = new ExpressionEngine();
        var results = new ConcurrentDictionary<int, string>();

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            var scope = new ExpressionScope
            {
                Params = Obj($$"""{"values":[{{i}},{{i + 1}}],"factor":{{i % 7}}}"""),
                Item = JsonValue.Create($"item-{i}"),
                Index = i,
            };
            results[i] = engine.Evaluate(expression, scope)!.GetValue<string>();
        });

        Assert.Equal(400, results.Count);
        foreach (var (i, text) in results)
        {
            Assert.Equal($"{i * (i % 7)}|{(i + 1) * (i % 7)}|item-{i}|{i}", text);
        }
    }

    [Fact]
    public void Evaluate_ParallelWithSharedScope_AllCorrect()
    {
        var scope = FullScope();
        var expression = ExpressionCompiler.Compile("tasks.extract.outputs.flatMap(o => o.rows).length + index");
        var engine = new ExpressionEngine();
        var results = new ConcurrentBag<string>();

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => results.Add(Json(engine.Evaluate(expression, scope))));

        Assert.Equal(200, results.Count);
        Assert.All(results, r => Assert.Equal("4", r));
    }
}
