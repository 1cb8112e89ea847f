using System.Collections.Concurrent;

namespace Orleans.Workflow.Execution;

/// <summary>A key index of the embedded default: one silo, in this process.</summary>
public class InMemoryKeyIndex : IKeyIndex
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    public Task AddAsync(string key, CancellationToken cancellationToken)
    {
        _keys[key] = 0;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        _keys.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> page = [.. _keys.Keys.Where(k => after is null || string.CompareOrdinal(k, after) > 0).Order(StringComparer.Ordinal).Take(limit)];
        return Task.FromResult(page);
    }
}

/// <summary>The active-run index of the embedded default.</summary>
public sealed class InMemoryActiveRunIndex : InMemoryKeyIndex, IActiveRunIndex;
