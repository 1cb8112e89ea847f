using Orleans.Concurrency;
namespace Orleans.Workflow.Runs;

/// <summary>What a control (cancel, pause, resume, signal, retry, enable, disable) did.</summary>
public enum ControlOutcome
{
    /// <summary>It took effect.</summary>
    Applied = 0,

    /// <summary>It does not apply now (the run already ended, is already paused, ...); nothing changed.</summary>
    NotApplicable = 1,

    /// <summary>The run or playbook does not exist.</summary>
    NotFound = 2,

    /// <summary>The request itself is wrong (an unknown task, params that do not fit); nothing changed.</summary>
    Invalid = 3,
}

/// <summary>
/// The answer to a control: what happened, and in words for people (for example "run 3f2… already succeeded").
/// Controls are idempotent: repeating one that took effect answers <see cref="ControlOutcome.NotApplicable"/>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.ControlResult")]
public sealed record ControlResult(
    [property: Id(0)] ControlOutcome Outcome,
    [property: Id(1)] string Message)
{
    public bool Applied => Outcome == ControlOutcome.Applied;

    public static ControlResult Done(string message) => new(ControlOutcome.Applied, message);

    public static ControlResult No(string message) => new(ControlOutcome.NotApplicable, message);

    public static ControlResult Missing(string message) => new(ControlOutcome.NotFound, message);

    public static ControlResult Wrong(string message) => new(ControlOutcome.Invalid, message);
}
