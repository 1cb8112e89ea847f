namespace Orleans.Workflow.Events;

/// <summary>Reads a run's stored event history (keyed by run id); any silo answers, from the history store.</summary>
[Alias("owf.IRunHistoryGrain")]
public interface IRunHistoryGrain : IGrainWithStringKey
{
    /// <summary>At most <paramref name="limit"/> of the run's events after position <paramref name="after"/>, oldest first.</summary>
    [Alias("Read")]
    Task<IReadOnlyList<StoredRunEvent>> ReadAsync(long after, int limit);
}

/// <summary>Lists runs, newest first (any key; use 0).</summary>
[Alias("owf.IRunListGrain")]
public interface IRunListGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<IReadOnlyList<RunSummary>> ListAsync(RunQuery query);
}
