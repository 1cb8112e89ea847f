using Orleans.Concurrency;
namespace Orleans.Workflow.Runs;

/// <summary>The answer to a start: the run, or the reasons it cannot start (bad params, unknown playbook).</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.StartRunResult")]
public sealed record StartRunResult(
    [property: Id(0)] string RunId,
    [property: Id(1)] bool Started,
    [property: Id(2)] bool AlreadyExisted,
    [property: Id(3)] IReadOnlyList<string> Errors);
