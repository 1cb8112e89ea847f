using Orleans.Concurrency;

namespace Orleans.Workflow.Runs;

/// <summary>
/// One run, keyed by its id: pins a playbook version, holds params and per-task state, and plans
/// which tasks are ready after every change. Tasks report back through <see cref="TaskEndedAsync"/>.
/// </summary>
[Alias("owf.IRunGrain")]
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Starts the run; idempotent: a second start answers with the run that exists.</summary>
    [Alias("Start")]
    Task<StartRunResult> StartAsync(StartRunRequest request);

    [Alias("GetSnapshot")]
    [AlwaysInterleave]
    Task<RunSnapshot?> GetSnapshotAsync();

    /// <summary>The run's status, null for no run: cheap, and answered even while the run is busy.</summary>
    [Alias("GetStatus")]
    [AlwaysInterleave]
    Task<WorkStatus?> GetStatusAsync();

    /// <summary>The playbook's admission grain gives this waiting run its slot (one-way; idempotent).</summary>
    [Alias("Admitted")]
    [OneWay]
    Task AdmittedAsync();

    /// <summary>An upstream task of another playbook that <paramref name="task"/> waits for has succeeded (one-way; idempotent).</summary>
    [Alias("UpstreamSucceeded")]
    [OneWay]
    Task UpstreamSucceededAsync(string task);

    /// <summary>Completes when the run has ended or <paramref name="timeout"/> has passed (keep it under 25 s); answers the status then, null for no run.</summary>
    [Alias("WaitForEnd")]
    [AlwaysInterleave]
    Task<WorkStatus?> WaitForEndAsync(TimeSpan timeout);

    /// <summary>
    /// A task reports how it ended. One-way, so no grain ever waits on the grain above it (no call cycles);
    /// idempotent by task id; the run also polls its tasks, so a lost report is recovered.
    /// </summary>
    [Alias("TaskEnded")]
    [OneWay]
    Task TaskEndedAsync(TaskEnded report);

    /// <summary>
    /// A step waits for a signal: the run delivers it through <see cref="IStepGrain.SignalAsync"/> at once when it
    /// already arrived, else when it arrives. One-way (the step asks from inside its own turn); idempotent.
    /// </summary>
    [Alias("AwaitSignal")]
    [OneWay]
    Task AwaitSignalAsync(string name, string stepKey);

    /// <summary>
    /// Wakes the run (a silo that took over after a crash calls it for every active run): an activation that
    /// finds the run unfinished checks its tasks at once, and they check their steps. Does nothing otherwise.
    /// </summary>
    [Alias("Wake")]
    Task WakeAsync();

    /// <summary>Cancels the run: nothing new starts, running steps are cancelled. Answers what happened.</summary>
    [Alias("Cancel")]
    Task<ControlResult> CancelAsync(string reason);

    /// <summary>
    /// Pauses the run: no task or step starts while paused, running steps finish, the run's status is
    /// <c>paused</c>. Answers what happened, also when it does not apply ("run X already succeeded").
    /// </summary>
    [Alias("Pause")]
    Task<ControlResult> PauseAsync(string reason);

    /// <summary>
    /// Runs an ended run again as its next attempt (same id, <c>run.attempt</c> + 1): succeeded tasks keep their
    /// outputs and do not run again; the others run again. See <see cref="RetryRun"/>. Answers what happened.
    /// </summary>
    [Alias("Retry")]
    Task<RetryRunResult> RetryAsync(RetryRun request);

    /// <summary>Resumes a paused run exactly where it stopped. Answers what happened.</summary>
    [Alias("ResumeRun")]
    Task<ControlResult> ResumeAsync();

    /// <summary>Delivers a named signal with a JSON payload to the run's waiting step (kept until one waits).</summary>
    [Alias("Signal")]
    Task<ControlResult> SignalAsync(string name, string payloadJson);
}

/// <summary>
/// How to retry a run. <see cref="Task"/>: re-run only this task and everything downstream of it (also after
/// a success). <see cref="ParamsJson"/>: params to change (merged over the run's). <see cref="LatestVersion"/>: run
/// the playbook's current version instead of the pinned one.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.RetryRun")]
public sealed record RetryRun(
    [property: Id(0)] string? Task = null,
    [property: Id(1)] string? ParamsJson = null,
    [property: Id(2)] bool LatestVersion = false);

/// <summary>Whether the retry started (<see cref="Attempt"/>), and if not, why.</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.RetryRunResult")]
public sealed record RetryRunResult(
    [property: Id(0)] ControlOutcome Outcome,
    [property: Id(1)] int Attempt,
    [property: Id(2)] string Message)
{
    public bool Started => Outcome == ControlOutcome.Applied;
}

/// <summary>How one task ended, with its outputs as JSON text.</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.TaskEnded")]
public sealed record TaskEnded(
    [property: Id(0)] string Task,
    [property: Id(1)] WorkStatus Status,
    [property: Id(2)] string? OutputsJson,
    [property: Id(3)] WorkReason? Reason,
    [property: Id(4)] string? Error,
    [property: Id(5)] string? FailedStep,
    [property: Id(6)] int? FailedIndex,
    [property: Id(7)] int RunAttempt = 1);
