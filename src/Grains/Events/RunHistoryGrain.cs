using Orleans.Concurrency;

namespace Orleans.Workflow.Events;

/// <summary>Answers history reads from the silo's <see cref="IRunHistoryStore"/>; stateless, so any silo serves them.</summary>
[StatelessWorker]
[GrainType("owf.run-history")]
public sealed class RunHistoryGrain(IRunHistoryStore store) : Grain, IRunHistoryGrain
{
    public const int MaxLimit = 10_000;

    public Task<IReadOnlyList<StoredRunEvent>> ReadAsync(long after, int limit) =>
        store.ReadAsync(this.GetPrimaryKeyString(), Math.Max(after, 0), Math.Clamp(limit, 1, MaxLimit), CancellationToken.None);
}
