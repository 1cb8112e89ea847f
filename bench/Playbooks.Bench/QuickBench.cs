using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;

namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>
/// Measures with a Stopwatch on the calling thread: each case is warmed up, then timed.
/// Validation is timed call by call (mean, p50, p99); evaluations in one block (per second).
/// </summary>
internal static class QuickBench
{
    public const int ValidationWarmup = 10;
    public const int Validations = 200;
    public const int EvaluationWarmup = 100_000;
    public const int Evaluations = 1_000_000;
    public const int FreshScopeEvaluations = 100_000;

    /// <summary>Targets from the issue.</summary>
    public const double ValidationTargetMs = 50;
    public const double EvaluationsPerSecondTarget = 200_000;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static int Run(TextWriter output)
    {
        var started = Stopwatch.StartNew();
        var loadAtStart = LoadAverage();
        output.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} logical cores, server GC: {System.Runtime.GCSettings.IsServerGC}");
        string text;
        try
        {
            text = GeneratedPlaybook.Create(ValidationBenchmarks.TaskCount);
        }
        catch (InvalidOperationException ex)
        {
            output.WriteLine(ex.Message);
            return 1;
        }

        output.WriteLine(string.Create(Invariant, $"generated playbook: {ValidationBenchmarks.TaskCount} tasks, {text.Length:N0} characters, {text.Count(c => c == '\n'):N0} lines, 0 diagnostics"));
        output.WriteLine();

        var firstStart = Stopwatch.GetTimestamp();
        ExpressionEngine.Shared.Evaluate(ExpressionCompiler.Compile("1 + 1"), ExpressionScope.Empty);
        var first = Stopwatch.GetElapsedTime(firstStart).TotalMilliseconds;
        var validation = MeasureValidation(text);
        var rows = new List<EvaluationRow>
        {
            MeasureEvaluations("simple: params.count + 1", Evaluations, 1, Simple()),
            MeasureEvaluations("member path: tasks.extract.outputs.rows.length", Evaluations, 1, MemberPath()),
            MeasureEvaluations("template: file-${{ params.date }}-${{ index }}.csv (2 evaluations per render)", Evaluations / 2, 2, Spliced()),
            MeasureEvaluations("simple, new scope over the same nodes", FreshScopeEvaluations, 1, FreshScope()),
            MeasureEvaluations("simple, scope with nodes never seen", FreshScopeEvaluations, 1, FreshNodes()),
        };

        output.WriteLine("| validation (500 tasks) | mean ms | p50 ms | p99 ms | max ms | CPU ms/op | allocated/op | target |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        output.WriteLine(string.Create(Invariant,
            $"| PlaybookLoader.Load x{Validations} | {validation.Mean:F2} | {validation.P50:F2} | {validation.P99:F2} | {validation.Max:F2} | {validation.CpuMs:F2} | {validation.AllocatedBytes / 1024.0 / 1024.0:F1} MiB | p50 < {ValidationTargetMs} ms: {(validation.P50 < ValidationTargetMs ? "met" : "NOT met")} |"));
        output.WriteLine();
        output.WriteLine("| expression (one thread) | operations | evaluations/s | ns/evaluation | evaluations/CPU-s | allocated/operation | target (200,000/s) |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(Invariant,
                $"| {row.Name} | {row.Operations:N0} | {row.EvaluationsPerSecond:N0} | {1e9 / row.EvaluationsPerSecond:N0} | {row.EvaluationsPerCpuSecond:N0} | {row.AllocatedBytesPerOperation:N0} B | {(row.EvaluationsPerSecond >= EvaluationsPerSecondTarget ? "met" : "NOT met")} |"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(Invariant, $"first evaluation in the process (builds and hardens the first sandbox): {first:F0} ms"));
        output.WriteLine(string.Create(Invariant, $"total time {started.Elapsed.TotalSeconds:F1} s, process CPU {Environment.CpuUsage.TotalTime.TotalSeconds:F1} s; load average at start: {loadAtStart}, at end: {LoadAverage()}"));
        return 0;
    }

    private static ValidationResult MeasureValidation(string text)
    {
        for (var i = 0; i < ValidationWarmup; i++)
        {
            Check(PlaybookLoader.Load(text, GeneratedPlaybook.FileName));
        }

        var times = new double[Validations];
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Validations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = PlaybookLoader.Load(text, GeneratedPlaybook.FileName);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Check(result);
        }

        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / Validations;
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / Validations;
        Array.Sort(times);
        return new ValidationResult(times.Average(), Percentile(times, 0.50), Percentile(times, 0.99), times[^1], cpu, allocated);

        static void Check(PlaybookLoadResult result)
        {
            if (!result.IsValid)
            {
                throw new InvalidOperationException("the generated playbook stopped validating: " + result.Diagnostics[0]);
            }
        }
    }

    // Other work on the machine shows in wall-clock figures, not in CPU time: print what it was.
    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "unknown";
    }

    // Nearest-rank percentile of sorted values.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static EvaluationRow MeasureEvaluations(string name, int operations, int evaluationsPerOperation, Func<object?> operation)
    {
        for (var i = 0; i < Math.Min(EvaluationWarmup, operations); i++)
        {
            operation();
        }

        var cpuBefore = Environment.CpuUsage.TotalTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            operation();
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / operations;
        var evaluations = operations * (double)evaluationsPerOperation;
        return new EvaluationRow(name, operations, evaluations / elapsed.TotalSeconds, evaluations / cpu.TotalSeconds, allocated);
    }

    private static Func<object?> Simple()
    {
        var scope = BenchScopes.Fresh();
        var expression = ExpressionCompiler.Compile(BenchScopes.SimpleExpression);
        Expect(ExpressionEngine.Shared.Evaluate(expression, scope), 11);
        return () => ExpressionEngine.Shared.Evaluate(expression, scope);
    }

    private static Func<object?> MemberPath()
    {
        var scope = BenchScopes.Fresh();
        var expression = ExpressionCompiler.Compile(BenchScopes.MemberPathExpression);
        Expect(ExpressionEngine.Shared.Evaluate(expression, scope), BenchScopes.ExtractRows);
        return () => ExpressionEngine.Shared.Evaluate(expression, scope);
    }

    private static Func<object?> Spliced()
    {
        var scope = BenchScopes.Fresh();
        var template = Template.Parse(BenchScopes.SplicedTemplate);
        var text = template.EvaluateText(ExpressionEngine.Shared, scope);
        if (text != "file-2024-05-01-3.csv")
        {
            throw new InvalidOperationException($"template gave '{text}'");
        }

        return () => template.EvaluateText(ExpressionEngine.Shared, scope);
    }

    private static Func<object?> FreshScope()
    {
        var (parameters, run, tasks, steps) = (BenchScopes.Params(), BenchScopes.Run(), BenchScopes.Tasks(), BenchScopes.Steps());
        var expression = ExpressionCompiler.Compile(BenchScopes.SimpleExpression);
        var index = 0;
        return () => ExpressionEngine.Shared.Evaluate(expression, new ExpressionScope
        {
            Params = parameters,
            Run = run,
            Tasks = tasks,
            Steps = steps,
            Item = "eu",
            Index = index++ & 7,
        });
    }

    private static Func<object?> FreshNodes()
    {
        var scopes = BenchScopes.DistinctScopes();
        var expression = ExpressionCompiler.Compile(BenchScopes.SimpleExpression);
        var index = 0;
        return () => ExpressionEngine.Shared.Evaluate(expression, scopes[index++ & (BenchScopes.DistinctScopeCount - 1)]);
    }

    private static void Expect(JsonNode? actual, long expected)
    {
        if (actual is not JsonValue value || !value.TryGetValue<long>(out var number) || number != expected)
        {
            throw new InvalidOperationException($"expected {expected}, got {actual?.ToJsonString() ?? "null"}");
        }
    }

    private sealed record ValidationResult(double Mean, double P50, double P99, double Max, double CpuMs, long AllocatedBytes);

    private sealed record EvaluationRow(string Name, int Operations, double EvaluationsPerSecond, double EvaluationsPerCpuSecond, long AllocatedBytesPerOperation);
}
