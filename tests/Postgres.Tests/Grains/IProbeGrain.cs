namespace Orleans.Workflow.Postgres.Tests.Grains;

/// <summary>A test grain with persisted state and a reminder, to watch the ADO.NET providers work.</summary>
public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Adds to the stored total and writes the state; answers the new total.</summary>
    Task<int> AddAsync(int amount);

    /// <summary>The stored total and reminder ticks, as this activation holds them.</summary>
    Task<ProbeState> GetAsync();

    /// <summary>Which activation answers (a new one after deactivation).</summary>
    Task<Guid> ActivationAsync();

    /// <summary>Deactivates the grain once this call returns.</summary>
    Task DeactivateAsync();

    /// <summary>Registers the reminder <c>tick</c>; each tick is counted in the stored state.</summary>
    Task StartTickingAsync(TimeSpan due, TimeSpan period);

    Task StopTickingAsync();
}
