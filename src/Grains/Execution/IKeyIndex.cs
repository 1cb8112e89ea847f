namespace Orleans.Workflow.Execution;

/// <summary>
/// A set of grain keys kept where every silo can read them, listed in ordinal order a page at a time: what
/// recovery reads to wake grains nothing else would activate. <see cref="IActiveRunIndex"/> and
/// <c>IScheduleIndex</c> are the two; <see cref="InMemoryKeyIndex"/> and the PostgreSQL one serve both.
/// </summary>
public interface IKeyIndex
{
    /// <summary>Adds <paramref name="key"/> (idempotent).</summary>
    Task AddAsync(string key, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="key"/> (idempotent).</summary>
    Task RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keys in ordinal order, at most <paramref name="limit"/> after <paramref name="after"/> (null: from the start).</summary>
    Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken);
}
