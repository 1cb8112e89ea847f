using System.Collections.Concurrent;

namespace Orleans.Workflow.Triggers;

/// <summary>The schedule index of the embedded default: one silo, in this process.</summary>
public sealed class InMemoryScheduleIndex : IScheduleIndex
{
    private readonly ConcurrentDictionary<string, byte> _schedules = new(StringComparer.Ordinal);

    public Task AddAsync(string scheduleKey, CancellationToken cancellationToken)
    {
        _schedules[scheduleKey] = 0;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string scheduleKey, CancellationToken cancellationToken)
    {
        _schedules.TryRemove(scheduleKey, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> page = [.. _schedules.Keys.Where(k => after is null || string.CompareOrdinal(k, after) > 0).Order(StringComparer.Ordinal).Take(limit)];
        return Task.FromResult(page);
    }
}
