using Orleans.Concurrency;

namespace Orleans.Workflow.Events;

/// <summary>Lists runs from the silo's <see cref="IRunHistoryStore"/>; stateless, so any silo answers.</summary>
[StatelessWorker]
[GrainType("owf.run-list")]
public sealed class RunListGrain(IRunHistoryStore store) : Grain, IRunListGrain
{
    public Task<IReadOnlyList<RunSummary>> ListAsync(RunQuery query) => store.ListRunsAsync(query, CancellationToken.None);
}
