namespace Orleans.Workflow.Triggers;

/// <summary>Persisted state of a schedule: which entry is in force, and the last tick it settled.</summary>
[GenerateSerializer]
[Alias("owf.ScheduleGrainState")]
public sealed class ScheduleGrainState
{
    [Id(0)]
    public ScheduleConfig? Config { get; set; }

    /// <summary>The entry went away: it fires nothing.</summary>
    [Id(1)]
    public bool Removed { get; set; }

    /// <summary>
    /// The most recent tick settled: fired, or counted missed by <c>catchup</c>. Ticks after it are still to come;
    /// on activation those already due were missed.
    /// </summary>
    [Id(2)]
    public DateTimeOffset? LastTick { get; set; }

    [Id(3)]
    public string? LastRunId { get; set; }

    [Id(4)]
    public long Fired { get; set; }

    [Id(5)]
    public long Skipped { get; set; }

    [Id(6)]
    public string? LastError { get; set; }

    /// <summary>The cron and time zone <see cref="LastTick"/> was computed for: when they change, past ticks are not backfilled.</summary>
    [Id(7)]
    public string? Expression { get; set; }

    [Id(8)]
    public bool ReminderSet { get; set; }
}
