namespace Orleans.Workflow.Runs;

/// <summary>Persisted state of a run: the pinned version, params, and what each task did.</summary>
[GenerateSerializer]
[Alias("owf.RunGrainState")]
public sealed class RunGrainState
{
    [Id(0)]
    public StartRunRequest? Request { get; set; }

    [Id(1)]
    public string Playbook { get; set; } = string.Empty;

    [Id(2)]
    public string Version { get; set; } = string.Empty;

    [Id(3)]
    public string? Owner { get; set; }

    [Id(4)]
    public string ParamsJson { get; set; } = "{}";

    [Id(5)]
    public string RunJson { get; set; } = "{}";

    [Id(6)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    [Id(7)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(8)]
    public DateTimeOffset? EndedAt { get; set; }

    [Id(9)]
    public DateTimeOffset? Deadline { get; set; }

    [Id(10)]
    public string? OutputsJson { get; set; }

    [Id(11)]
    public RunError? Error { get; set; }

    [Id(12)]
    public Dictionary<string, RunTaskRecord> Tasks { get; set; } = new(StringComparer.Ordinal);

    [Id(13)]
    public Dictionary<string, string> PendingSignals { get; set; } = new(StringComparer.Ordinal);

    [Id(14)]
    public Dictionary<string, List<string>> SignalWaiters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Set when the run is being cancelled or timed out: why, and with which status.</summary>
    [Id(15)]
    public string? StopReason { get; set; }

    [Id(16)]
    public WorkStatus? StopStatus { get; set; }

    [Id(17)]
    public int Attempt { get; set; } = 1;

    /// <summary>Paused by an operator: nothing new starts until resumed (<see cref="Status"/> is then <c>paused</c>).</summary>
    [Id(18)]
    public bool Paused { get; set; }

    /// <summary>The playbook limits its active runs (<c>concurrency</c>, or a schedule's <c>overlap</c>): the run holds a slot of its admission grain.</summary>
    [Id(19)]
    public bool Gated { get; set; }

    /// <summary>Waiting for a slot: no task starts until the admission grain admits the run (status <c>pending</c>).</summary>
    [Id(20)]
    public bool AwaitingAdmission { get; set; }

    /// <summary>The run's end was announced (admission slot released, followers started); until then the poll tries again.</summary>
    [Id(21)]
    public bool Announced { get; set; }
}

/// <summary>What the run knows of one of its tasks.</summary>
[GenerateSerializer]
[Alias("owf.RunTaskRecord")]
public sealed class RunTaskRecord
{
    [Id(0)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    [Id(1)]
    public string? Reason { get; set; }

    [Id(2)]
    public string? OutputsJson { get; set; }

    [Id(3)]
    public string? Error { get; set; }

    [Id(4)]
    public string? FailedStep { get; set; }

    [Id(5)]
    public int? FailedIndex { get; set; }

    [Id(6)]
    public DateTimeOffset? DispatchedAt { get; set; }

    [Id(7)]
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>True once the task grain has the task (it was sent a StartTask).</summary>
    [Id(8)]
    public bool Dispatched { get; set; }

    /// <summary>The run attempt whose task grain holds this task (a task kept from an earlier attempt keeps its own).</summary>
    [Id(9)]
    public int RunAttempt { get; set; } = 1;

    /// <summary>A task with cross-playbook <c>needs</c> waiting for a fresh upstream success fails as stale at this instant.</summary>
    [Id(10)]
    public DateTimeOffset? UpstreamDeadline { get; set; }

    /// <summary>Every cross-playbook <c>needs</c> of the task was met: it may start.</summary>
    [Id(11)]
    public bool UpstreamMet { get; set; }
}
