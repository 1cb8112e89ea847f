using Orleans.Concurrency;

namespace Orleans.Workflow.Runs;

/// <summary>
/// One task of a run, keyed <c>{runId}/{taskId}</c>: evaluates its <c>if</c> and <c>foreach</c>, runs its steps
/// in order (per foreach instance, up to <c>max_parallel</c> at once) and reports to the run.
/// </summary>
[Alias("owf.ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Starts the task. Idempotent: a task that already started ignores it.</summary>
    [Alias("Start")]
    Task StartAsync(StartTask command);

    /// <summary>A step reports how it ended: one-way (see <see cref="IRunGrain.TaskEndedAsync"/>), idempotent by step.</summary>
    [Alias("StepEnded")]
    [OneWay]
    Task StepEndedAsync(StepEnded report);

    [Alias("GetSnapshot")]
    [AlwaysInterleave]
    Task<TaskSnapshot> GetSnapshotAsync();

    /// <summary>How the task ended, or null while it runs: the run polls this to recover a lost report.</summary>
    [Alias("GetOutcome")]
    [AlwaysInterleave]
    Task<TaskEnded?> GetOutcomeAsync();

    /// <summary>Cancels what runs and starts nothing new; the task ends with <paramref name="status"/> (cancelled or timed_out).</summary>
    [Alias("Cancel")]
    Task CancelAsync(WorkStatus status, string reason);

    /// <summary>Paused: no step or foreach instance starts; running ones finish. Idempotent.</summary>
    [Alias("Pause")]
    Task PauseAsync();

    /// <summary>Goes on where it stopped: the steps that were held are sent. Idempotent.</summary>
    [Alias("Resume")]
    Task ResumeAsync();
}

/// <summary>What a task needs to run: the pinned playbook, the params, and the outputs of the tasks before it (the run's own timer enforces its deadline).</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.StartTask")]
public sealed record StartTask(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Playbook,
    [property: Id(2)] string Version,
    [property: Id(3)] string TaskId,
    [property: Id(4)] string ScopeJson,
    [property: Id(5)] int RunAttempt = 1);

/// <summary>How one step (of one foreach instance) ended.</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.StepEnded")]
public sealed record StepEnded(
    [property: Id(0)] int Index,
    [property: Id(1)] string Step,
    [property: Id(2)] WorkStatus Status,
    [property: Id(3)] string? OutputJson,
    [property: Id(4)] string? Error,
    [property: Id(5)] int Attempts,
    [property: Id(6)] bool ContinueOnError);
