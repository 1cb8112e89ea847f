using Orleans.Workflow.Runs;

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

    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<RunSummary> runs;
        lock (_runs)
        {
            runs = [.. _runs.Values.Select(Summarize).OfType<RunSummary>()];
        }

        IReadOnlyList<RunSummary> result = [.. runs
            .Where(r => (query.Playbook is null || r.Playbook == query.Playbook) && (query.Status is null || r.Status == query.Status) && (query.Since is null || r.StartedAt >= query.Since))
            .OrderByDescending(r => r.StartedAt)
            .Take(query.Limit)];
        return Task.FromResult(result);
    }

    private static RunSummary? Summarize(List<StoredRunEvent> events)
    {
        var started = events.FirstOrDefault(e => e.Event.Kind == RunEventKind.RunStarted)?.Event;
        var last = events.LastOrDefault(e => RunQuery.RunLevel.Contains(e.Event.Kind))?.Event;
        if (started is null || last is null)
        {
            return null;
        }

        var data = started.DataJson is { } json ? System.Text.Json.Nodes.JsonNode.Parse(json) : null;
        var status = RunQuery.StatusAfter(last.Kind);
        return new RunSummary(
            started.RunId,
            data?["playbook"]?.GetValue<string>() ?? string.Empty,
            data?["version"]?.GetValue<string>() ?? string.Empty,
            status,
            last.Owner ?? started.Owner,
            1 + events.Count(e => e.Event.Kind == RunEventKind.RunRetried),
            started.Timestamp,
            status.IsFinal() ? last.Timestamp : null,
            RunTrigger.FromJson(data?["trigger"]),
            data?["logical_date"] is System.Text.Json.Nodes.JsonValue logical && logical.TryGetValue<string>(out var date) ? date : null);
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
