using Orleans.Workflow.Playbooks.Runs;

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

    [Id(17)]
    public int Attempt { get; set; } = 1;

    /// <summary>
    /// Where the run is in its life (phase, admission, why it stops): changed only by <see cref="RunMachine"/>.
    /// (Ids 15, 16 and 18 to 21 held the flags it replaced.)
    /// </summary>
    [Id(22)]
    public RunLife Life { get; set; } = RunLife.New;
}

/// <summary>What the run knows of one of its tasks.</summary>
[GenerateSerializer]
[Alias("owf.RunTaskRecord")]
public sealed class RunTaskRecord
{
    [Id(0)]
    public WorkStatus Status { get; set; } = WorkStatus.Pending;

    [Id(1)]
    public WorkReason? Reason { get; set; }

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

    /// <summary>What a pending task waits for (a fresh success of a task of another playbook), as users read it.</summary>
    [Id(12)]
    public string? Waiting { get; set; }
}
