using Orleans.Concurrency;

namespace Orleans.Workflow.Runs;

/// <summary>
/// One step invocation, keyed <c>{runId}/{taskId}/{index}/{stepId}</c>: attempts, retry timer, timeout,
/// output and error. The plugin runs outside the grain's turn and reports back as a message.
/// </summary>
[Alias("owf.IStepGrain")]
public interface IStepGrain : IGrainWithStringKey
{
    /// <summary>Runs the step. Idempotent: a step that already started ignores it.</summary>
    [Alias("Execute")]
    Task ExecuteAsync(ExecuteStep command);

    /// <summary>Cancels a running or waiting attempt; the step ends with <paramref name="status"/>.</summary>
    [Alias("Cancel")]
    Task CancelAsync(WorkStatus status, string reason);

    /// <summary>A named signal for a <c>wait</c> step; true when this step was waiting for it.</summary>
    [Alias("Signal")]
    Task<bool> SignalAsync(string name, string payloadJson);

    [Alias("GetSnapshot")]
    [AlwaysInterleave]
    Task<StepSnapshot> GetSnapshotAsync();

    /// <summary>How the step ended, or null while it runs: the task polls this to recover a lost report.</summary>
    [Alias("GetOutcome")]
    [AlwaysInterleave]
    Task<StepEnded?> GetOutcomeAsync();

    /// <summary>The plugin's answer for one attempt (sent by the step to itself from outside its turn).</summary>
    [Alias("AttemptEnded")]
    Task AttemptEndedAsync(AttemptResult result);
}

/// <summary>
/// What a step needs to run: where it sits and the data its expressions read (never secrets). <see cref="Resent"/>:
/// the task sent it before and cannot rule out that it arrived (a step grain with no record of it then knows an
/// earlier attempt was lost with its silo).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.ExecuteStep")]
public sealed record ExecuteStep(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Playbook,
    [property: Id(2)] string Version,
    [property: Id(3)] string TaskId,
    [property: Id(4)] int Index,
    [property: Id(5)] string StepId,
    [property: Id(6)] string ScopeJson,
    [property: Id(7)] DateTimeOffset? Deadline,
    [property: Id(8)] bool Resent = false,
    [property: Id(9)] int RunAttempt = 1);

/// <summary>The outcome of one attempt; <see cref="Suspension"/>: it ended suspended, waiting (the status is then running).</summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.AttemptResult")]
public sealed record AttemptResult(
    [property: Id(0)] int Attempt,
    [property: Id(1)] WorkStatus Status,
    [property: Id(2)] string? OutputJson,
    [property: Id(3)] string? Error,
    [property: Id(4)] Guid? Activation = null,
    [property: Id(5)] StepSuspension? Suspension = null);

/// <summary>
/// What a suspended attempt waits for, as the step keeps it: the run's <see cref="Signal"/> (its payload becomes
/// the output), the instant <see cref="WakeAt"/> (it succeeds with no output), and whichever of them comes first
/// before <see cref="TimeoutAt"/>, else it is timed out with <see cref="TimeoutError"/>. Later: a worker's lease.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.StepSuspension")]
public sealed record StepSuspension(
    [property: Id(0)] string? Signal,
    [property: Id(1)] DateTimeOffset? WakeAt,
    [property: Id(2)] DateTimeOffset? TimeoutAt,
    [property: Id(3)] string? TimeoutError)
{
    /// <summary>When the step must next look at the suspension: its wake-up or its timeout, whichever is first.</summary>
    public DateTimeOffset? Due => (WakeAt, TimeoutAt) switch
    {
        ({ } wake, { } timeout) => wake < timeout ? wake : timeout,
        ({ } wake, null) => wake,
        (null, { } timeout) => timeout,
        _ => null,
    };

    /// <summary>The timeout has come, and the wake-up (if any) was not due before it.</summary>
    public bool TimedOutAt(DateTimeOffset now) => TimeoutAt is { } timeoutAt && now >= timeoutAt && !(WakeAt <= timeoutAt);

    /// <summary>The wake-up has come.</summary>
    public bool AwakeAt(DateTimeOffset now) => WakeAt is { } wakeAt && now >= wakeAt;
}
