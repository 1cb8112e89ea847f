namespace Orleans.Workflow.Playbooks.Runs;

/// <summary>Where a run is in its life. One phase at a time: what used to be five overlapping flags.</summary>
public enum RunPhase
{
    /// <summary>Waiting for a slot of its playbook's admission (<c>concurrency</c>, <c>overlap: queue</c>); shown as pending.</summary>
    Admitting,

    /// <summary>Its tasks start as the planner says.</summary>
    Running,

    /// <summary>Paused by an operator: nothing new starts; running steps finish.</summary>
    Paused,

    /// <summary>Stopping (<c>fail_fast</c>): its unfinished tasks were cancelled; it ends when the last one has.</summary>
    Stopping,

    /// <summary>Ended, and still telling the cluster (its slot, its followers); the run tries again until it has.</summary>
    Ending,

    /// <summary>Ended and announced: nothing more happens until it is retried.</summary>
    Ended,
}

/// <summary>A run's part in its playbook's admission.</summary>
public enum RunAdmission
{
    /// <summary>The playbook limits nothing: the run never asks for a slot.</summary>
    None,

    /// <summary>Waiting for a slot.</summary>
    Waiting,

    /// <summary>Holding a slot, released when the run's end is announced.</summary>
    Holding,
}

/// <summary>Why a run is being stopped before its tasks are done.</summary>
public enum StopCause
{
    /// <summary>An operator cancelled it: it ends cancelled.</summary>
    Cancelled,

    /// <summary>Its playbook <c>timeout</c> passed: it ends timed out.</summary>
    TimedOut,

    /// <summary>A task failed under <c>fail_fast</c>: the rest were cancelled, and it ends failed.</summary>
    FailFast,
}

/// <summary>How a run ended.</summary>
public enum RunEnd
{
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,

    /// <summary>Never ran: a scheduled tick under <c>overlap: skip</c> while another run was active.</summary>
    Skipped,
}

/// <summary>The run's life as its grain keeps it: phase, admission and, while stopping or after, why.</summary>
public sealed record RunLife(RunPhase Phase, RunAdmission Admission = RunAdmission.None, StopCause? Stop = null, string? StopReason = null)
{
    /// <summary>A run that was just created (or is retried) and asks for nothing.</summary>
    public static readonly RunLife New = new(RunPhase.Running);

    /// <summary>Ended (announced or not).</summary>
    public bool IsOver => Phase is RunPhase.Ending or RunPhase.Ended;

    /// <summary>The planner may start tasks: not waiting, paused, stopping or over.</summary>
    public bool StartsTasks => Phase == RunPhase.Running;
}
