using System.Collections.Concurrent;

namespace Orleans.Workflow.Execution;

/// <summary>The index of the embedded default: one silo, in this process.</summary>
public sealed class InMemoryActiveRunIndex : IActiveRunIndex
{
    private readonly ConcurrentDictionary<string, byte> _runs = new(StringComparer.Ordinal);

    public Task AddAsync(string runId, CancellationToken cancellationToken)
    {
        _runs[runId] = 0;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string runId, CancellationToken cancellationToken)
    {
        _runs.TryRemove(runId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> page = [.. _runs.Keys.Where(k => after is null || string.CompareOrdinal(k, after) > 0).Order(StringComparer.Ordinal).Take(limit)];
        return Task.FromResult(page);
    }
}
