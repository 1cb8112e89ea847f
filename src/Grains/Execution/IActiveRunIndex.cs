using System.Collections.Concurrent;

namespace Orleans.Workflow.Execution;

/// <summary>
/// The ids of runs that have started and not yet ended, kept where every silo can read them. After a silo dies,
/// or when a stopped cluster starts again, one silo wakes each of them (<c>IRunGrain.ResumeAsync</c>): nothing
/// else would activate a run whose grains were all on the silo that is gone. A run is added before its state is
/// first written and removed after its final state is written, so a crash in between leaves an extra id (a run
/// woken for nothing), never a missing one.
/// </summary>
public interface IActiveRunIndex
{
    Task AddAsync(string runId, CancellationToken cancellationToken);

    Task RemoveAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Active run ids in id order, at most <paramref name="limit"/> after <paramref name="after"/> (null: from the start).</summary>
    Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken);
}

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
