using Orleans.Concurrency;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// One <c>on.schedule</c> entry of a playbook, keyed <c>{playbook}/{index}</c>. It fires a run at each tick (a timer at
/// the due instant while active, a reminder as the durable backstop), keeps the last tick it settled, and on
/// activation settles the ticks missed meanwhile by the entry's <c>catchup</c>. The run of a tick has a key made of
/// (playbook, schedule, tick time), so a re-fire finds the same run instead of starting another.
/// </summary>
[Alias("owf.IScheduleGrain")]
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Sets which playbook version's entry is in force and whether the playbook is enabled (the playbook grain calls
    /// it on every register, enable and disable). Idempotent.
    /// </summary>
    [Alias("Configure")]
    Task ConfigureAsync(ScheduleConfig config);

    /// <summary>The entry went away (a new version has fewer schedules): fires nothing more. Idempotent.</summary>
    [Alias("Remove")]
    Task RemoveAsync();

    /// <summary>Activates the schedule (a silo that took over after a crash calls it), which settles missed ticks.</summary>
    [Alias("Wake")]
    Task WakeAsync();

    [Alias("GetInfo")]
    [AlwaysInterleave]
    Task<ScheduleInfo?> GetInfoAsync();

    /// <summary>Starts a tick's run now (its tick time is now, to the second), by the entry's <c>overlap</c> rule.</summary>
    [Alias("TriggerNow")]
    Task<StartRunResult> TriggerNowAsync();
}

/// <summary>What a schedule grain is told by its playbook.</summary>
[GenerateSerializer]
[Alias("owf.ScheduleConfig")]
public sealed record ScheduleConfig(
    [property: Id(0)] string Playbook,
    [property: Id(1)] int Index,
    [property: Id(2)] string Version,
    [property: Id(3)] bool Enabled);

/// <summary>A schedule at a glance: its entry, the next tick, the last tick it settled and the run that tick started.</summary>
[GenerateSerializer]
[Alias("owf.ScheduleInfo")]
public sealed record ScheduleInfo(
    [property: Id(0)] string Playbook,
    [property: Id(1)] int Index,
    [property: Id(2)] string Cron,
    [property: Id(3)] string TimeZone,
    [property: Id(4)] string Catchup,
    [property: Id(5)] string Overlap,
    [property: Id(6)] bool Enabled,
    [property: Id(7)] DateTimeOffset? NextTick,
    [property: Id(8)] DateTimeOffset? LastTick,
    [property: Id(9)] string? LastRunId,
    [property: Id(10)] long Fired,
    [property: Id(11)] long Skipped,
    [property: Id(12)] string? LastError);
