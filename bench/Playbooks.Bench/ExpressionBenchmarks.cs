using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>
/// Evaluating compiled expressions on the shared engine: against one scope again and again (its values are
/// converted once per pooled engine), and against a fresh scope each time (converted on every evaluation).
/// </summary>
[MemoryDiagnoser]
public class ExpressionBenchmarks
{
    private readonly ExpressionEngine _engine = ExpressionEngine.Shared;
    private readonly ExpressionScope _scope = BenchScopes.Fresh();
    private readonly CompiledExpression _simple = ExpressionCompiler.Compile(BenchScopes.SimpleExpression);
    private readonly CompiledExpression _memberPath = ExpressionCompiler.Compile(BenchScopes.MemberPathExpression);
    private readonly Template _template = Template.Parse(BenchScopes.SplicedTemplate);
    private JsonObject _params = [];
    private JsonObject _run = [];
    private JsonObject _tasks = [];
    private JsonObject _steps = [];
    private ExpressionScope[] _freshNodes = [];
    private int _index;

    [GlobalSetup]
    public void Setup()
    {
        _params = BenchScopes.Params();
        _run = BenchScopes.Run();
        _tasks = BenchScopes.Tasks();
        _steps = BenchScopes.Steps();
        _freshNodes = BenchScopes.DistinctScopes();
    }

    [Benchmark(Baseline = true)]
    public JsonNode? Simple() => _engine.Evaluate(_simple, _scope);

    [Benchmark]
    public JsonNode? MemberPath() => _engine.Evaluate(_memberPath, _scope);

    /// <summary>Two evaluations and the splicing around them.</summary>
    [Benchmark]
    public string SplicedTemplate() => _template.EvaluateText(_engine, _scope);

    /// <summary>
    /// The per-step case: a new scope over the same nodes, so the engine converts params, run, tasks and steps
    /// again before it evaluates.
    /// </summary>
    [Benchmark]
    public JsonNode? SimpleFreshScope() => _engine.Evaluate(_simple, new ExpressionScope
    {
        Params = _params,
        Run = _run,
        Tasks = _tasks,
        Steps = _steps,
        Item = "eu",
        Index = _index++ & 7,
    });

    /// <summary>Every evaluation sees scope nodes the engine has not converted before (1,024 scopes in turn).</summary>
    [Benchmark]
    public JsonNode? SimpleFreshNodes() => _engine.Evaluate(_simple, _freshNodes[_index++ & (BenchScopes.DistinctScopeCount - 1)]);

    [Benchmark]
    public CompiledExpression CompileSimple() => ExpressionCompiler.Compile(BenchScopes.SimpleExpression);
}
