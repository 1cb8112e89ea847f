using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Triggers;

/// <summary>The schedule index of the embedded default: one silo, in this process.</summary>
public sealed class InMemoryScheduleIndex : InMemoryKeyIndex, IScheduleIndex;
