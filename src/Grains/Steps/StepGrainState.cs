using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

/// <summary>Persisted state of one step. Holds no secret: the input is rendered again for every attempt.</summary>
[GenerateSerializer]
[Alias("owf.StepGrainState")]
public sealed class StepGrainState
{
    [Id(0)]
    public ExecuteStep? Command { get; set; }

    [Id(1)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    [Id(2)]
    public int Attempts { get; set; }

    [Id(3)]
    public string? OutputJson { get; set; }

    [Id(4)]
    public string? Error { get; set; }

    [Id(5)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(6)]
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>When the next attempt is due while a retry waits.</summary>
    [Id(7)]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [Id(8)]
    public WorkReason? Reason { get; set; }

    [Id(9)]
    public bool ContinueOnError { get; set; }

    /// <summary>A reminder is registered to wake the step (a long wait or retry delay outlives its activation).</summary>
    [Id(14)]
    public bool WakeReminder { get; set; }

    /// <summary>
    /// Attempts cut short by their silo (it died, or shut down before they finished): each adds an attempt to
    /// the retry budget, up to 3, since they are no fault of the step.
    /// </summary>
    [Id(15)]
    public int Interruptions { get; set; }

    /// <summary>
    /// What the running attempt waits for, when its plugin suspended it (a time, a signal): kept here, so the wait
    /// outlives the activation. (Ids 10 to 13 held the <c>wait</c> plugin's fields before suspensions were generic.)
    /// </summary>
    [Id(16)]
    public StepSuspension? Suspension { get; set; }
}
