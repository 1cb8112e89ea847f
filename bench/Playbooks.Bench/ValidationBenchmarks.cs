using BenchmarkDotNet.Attributes;

namespace Orleans.Workflow.Playbooks.Bench;

/// <summary>Reading, binding and validating a generated 500-task playbook (target: under 50 ms).</summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    public const int TaskCount = 500;

    private string _text = string.Empty;

    [GlobalSetup]
    public void Setup() => _text = GeneratedPlaybook.Create(TaskCount);

    [Benchmark]
    public PlaybookLoadResult Validate500Tasks() => PlaybookLoader.Load(_text, GeneratedPlaybook.FileName);
}
