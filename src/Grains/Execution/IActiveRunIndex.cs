namespace Orleans.Workflow.Execution;

/// <summary>
/// The ids of runs that have started and not yet ended, kept where every silo can read them. After a silo dies,
/// or when a stopped cluster starts again, one silo wakes each of them (<c>IRunGrain.WakeAsync</c>): nothing
/// else would activate a run whose grains were all on the silo that is gone. A run is added before its state is
/// first written and removed after its final state is written, so a crash in between leaves an extra id (a run
/// woken for nothing), never a missing one. Live schedules have an index of their own (<c>IScheduleIndex</c>).
/// </summary>
public interface IActiveRunIndex : IKeyIndex;
