namespace Orleans.Workflow.Events;

/// <summary>
/// The run history of the embedded default: kept in this process for as long as it lives, like the rest of the
/// embedded state. Each run keeps at most <see cref="MaxEventsPerRun"/> events (the first ones).
/// </summary>
public sealed class InMemoryRunHistory : IRunHistoryStore
{
    public const int MaxEventsPerRun = 100_000;

    private readonly Dictionary<string, List<StoredRunEvent>> _runs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private long _position;

    public Task AppendAsync(IReadOnlyList<RunEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_runs)
        {
            foreach (var item in events)
            {
                if (!_runs.TryGetValue(item.RunId, out var list))
                {
                    _runs[item.RunId] = list = [];
                }

                if (list.Count < MaxEventsPerRun && _ids.Add(item.Id))
                {
                    list.Add(new StoredRunEvent(++_position, item));
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredRunEvent>> ReadAsync(string runId, long after, int limit, CancellationToken cancellationToken)
    {
        lock (_runs)
        {
            IReadOnlyList<StoredRunEvent> result = _runs.TryGetValue(runId, out var list)
                ? [.. list.Where(e => e.Position > after).Take(limit)]
                : [];
            return Task.FromResult(result);
        }
    }
}
