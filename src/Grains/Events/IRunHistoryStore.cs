namespace Orleans.Workflow.Events;

/// <summary>
/// Where a run's event history is kept for later reading (<c>owf history</c>, the client). Written in batches by
/// <see cref="RunEventPublisher"/>, off the grains' hot path; an event may be handed over twice (its
/// <see cref="RunEvent.Id"/> is stable), and the store keeps it once.
/// </summary>
public interface IRunHistoryStore
{
    /// <summary>Appends events (of any runs), keeping each <see cref="RunEvent.Id"/> once.</summary>
    Task AppendAsync(IReadOnlyList<RunEvent> events, CancellationToken cancellationToken);

    /// <summary>A run's events in the order they were appended, at most <paramref name="limit"/> of them after position <paramref name="after"/>.</summary>
    Task<IReadOnlyList<StoredRunEvent>> ReadAsync(string runId, long after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Runs, newest first, derived from their run-level events (<see cref="RunQuery.RunLevel"/>; a run's
    /// <c>RunStarted</c> event carries <c>{"playbook", "version", "trigger", "logical_date"}</c> as its data, with
    /// <c>trigger</c> as <see cref="Runs.RunTrigger.ToJson"/> writes it; older histories hold only the kind's name there).
    /// </summary>
    Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken);
}
