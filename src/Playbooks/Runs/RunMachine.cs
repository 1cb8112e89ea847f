namespace Orleans.Workflow.Playbooks.Runs;

/// <summary>What the run grain must do after a transition, in this order.</summary>
[Flags]
public enum RunEffects
{
    None = 0,

    /// <summary>Write the run's state now (before telling anyone).</summary>
    Write = 1,

    /// <summary>Publish the event that names the transition (paused, resumed, waiting, admitted, skipped).</summary>
    Announce = 2,

    /// <summary>Ask the playbook's admission grain for a slot, and apply its answer (<see cref="RunMachine.Answered"/>).</summary>
    AskAdmission = 4,

    /// <summary>Cancel every task not ended, and mark the tasks never started cancelled.</summary>
    CancelTasks = 8,

    /// <summary>Tell the started tasks to pause.</summary>
    PauseTasks = 16,

    /// <summary>Tell the started tasks to resume.</summary>
    ResumeTasks = 32,

    /// <summary>Ask the planner what starts or is skipped now, and end the run when every task has.</summary>
    Advance = 64,

    /// <summary>End the run now, whatever its tasks (a cancel or a timeout).</summary>
    Complete = 128,
}

/// <summary>The outcome of one transition: the new life, what to do, or why the request was refused (nothing changed).</summary>
public sealed record RunTransition(RunLife Life, RunEffects Effects, string? Refusal = null)
{
    public bool Refused => Refusal is not null;

    public bool Has(RunEffects effect) => (Effects & effect) == effect;
}

/// <summary>The answer of a playbook's admission grain.</summary>
public enum AdmissionAnswer
{
    Admitted,
    Waiting,
    Skipped,
}

/// <summary>
/// The run's life as a pure state machine: given its life and what happened, the next life and the effects the
/// run grain carries out (it loads, applies, persists, then acts). No I/O and no clock: the grain asks the
/// admission grain, the planner and the tasks, and feeds their answers back in. Which tasks start is the
/// planner's (<see cref="Planning.RunPlanner"/>); whether any may start is this machine's.
/// </summary>
public static class RunMachine
{
    /// <summary>A new run (or a retried one): it asks for a slot first when its playbook limits its runs.</summary>
    public static RunTransition Start(bool gated) => gated
        ? new(new RunLife(RunPhase.Admitting, RunAdmission.Waiting), RunEffects.AskAdmission)
        : new(RunLife.New, RunEffects.Advance);

    /// <summary>
    /// The admission grain answered. <paramref name="first"/>: the answer to the run's own request (a waiting run is
    /// announced as waiting); else to a re-ask after a notice or a poll (an admitted run is announced as admitted).
    /// </summary>
    public static RunTransition Answered(RunLife life, AdmissionAnswer answer, bool first)
    {
        ArgumentNullException.ThrowIfNull(life);
        if (life.IsOver || (!first && life.Admission != RunAdmission.Waiting))
        {
            return new(life, RunEffects.None);
        }

        var paused = life.Phase == RunPhase.Paused;
        return answer switch
        {
            AdmissionAnswer.Skipped => new(life with { Phase = RunPhase.Ended, Admission = RunAdmission.None }, RunEffects.Write | RunEffects.Announce),
            AdmissionAnswer.Waiting => first
                ? new(life with { Phase = paused ? RunPhase.Paused : RunPhase.Admitting, Admission = RunAdmission.Waiting }, RunEffects.Announce)
                : new(life, RunEffects.None),
            _ => new(
                life with { Phase = paused ? RunPhase.Paused : RunPhase.Running, Admission = RunAdmission.Holding },
                first ? RunEffects.Advance : RunEffects.Announce | RunEffects.Advance),
        };
    }

    /// <summary>An operator pauses the run.</summary>
    public static RunTransition Pause(RunLife life)
    {
        ArgumentNullException.ThrowIfNull(life);
        return life.Phase switch
        {
            RunPhase.Ending or RunPhase.Ended => new(life, RunEffects.None, "ended"),
            RunPhase.Paused => new(life, RunEffects.None, "already paused"),
            RunPhase.Stopping => new(life, RunEffects.None, "stopping"),
            _ => new(life with { Phase = RunPhase.Paused }, RunEffects.Write | RunEffects.Announce | RunEffects.PauseTasks),
        };
    }

    /// <summary>An operator resumes the run: it goes back to waiting for its slot if it had none yet.</summary>
    public static RunTransition Resume(RunLife life)
    {
        ArgumentNullException.ThrowIfNull(life);
        return life.Phase switch
        {
            RunPhase.Ending or RunPhase.Ended => new(life, RunEffects.None, "ended"),
            not RunPhase.Paused => new(life, RunEffects.None, "not paused"),
            _ => new(
                life with { Phase = life.Admission == RunAdmission.Waiting ? RunPhase.Admitting : RunPhase.Running },
                RunEffects.Announce | RunEffects.Advance | RunEffects.ResumeTasks),
        };
    }

    /// <summary>
    /// The run is stopped for <paramref name="cause"/>: its tasks are cancelled and nothing new starts. A cancel or
    /// a timeout ends it at once; <c>fail_fast</c> lets it end when its last task has. A run already stopping keeps
    /// its first cause, unless a cancel or timeout now ends it.
    /// </summary>
    public static RunTransition Stop(RunLife life, StopCause cause, string reason)
    {
        ArgumentNullException.ThrowIfNull(life);
        if (life.IsOver || (cause == StopCause.FailFast && life.Stop is not null))
        {
            return new(life, RunEffects.None);
        }

        var effects = RunEffects.Write | RunEffects.CancelTasks | (cause == StopCause.FailFast ? RunEffects.None : RunEffects.Complete);
        return new(life with { Phase = RunPhase.Stopping, Stop = cause, StopReason = reason }, effects);
    }

    /// <summary>
    /// How the run ends once every task has (or a stop ends it now): the stop's cause decides a cancel or timeout;
    /// otherwise it failed if any task failed, timed out or was cancelled.
    /// </summary>
    public static RunEnd Outcome(RunLife life, bool anyTaskFailed)
    {
        ArgumentNullException.ThrowIfNull(life);
        return life.Stop switch
        {
            StopCause.TimedOut => RunEnd.TimedOut,
            StopCause.Cancelled => RunEnd.Cancelled,
            _ => anyTaskFailed ? RunEnd.Failed : RunEnd.Succeeded,
        };
    }

    /// <summary>The run ended; <paramref name="announced"/>: the cluster was told (else it tries again).</summary>
    public static RunLife Ended(RunLife life, bool announced)
    {
        ArgumentNullException.ThrowIfNull(life);
        return life with { Phase = announced ? RunPhase.Ended : RunPhase.Ending };
    }

    /// <summary>
    /// Why the run cannot be retried now, or null: only an ended run can, once its end is announced. A retry then
    /// starts the run's life again (<see cref="Start"/>), with no stop, asking for a slot again when gated.
    /// </summary>
    public static string? RetryRefusal(RunLife life)
    {
        ArgumentNullException.ThrowIfNull(life);
        return life.Phase switch
        {
            RunPhase.Ending => "announcing",
            not RunPhase.Ended => "not ended",
            _ => null,
        };
    }
}
