using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// The keys of live schedules (<see cref="IScheduleGrain"/>: the entry exists and its playbook is enabled), kept
/// where every silo can read them. After a silo dies, or when a stopped cluster starts again, one silo wakes each
/// of them (<c>IScheduleGrain.WakeAsync</c>), so their timers are armed again at once rather than at the next
/// reminder. A schedule adds itself each time it arms (idempotent) and removes itself when it stops being live.
/// </summary>
public interface IScheduleIndex : IKeyIndex;
