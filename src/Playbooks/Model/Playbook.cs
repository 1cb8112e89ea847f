using System.Collections.Immutable;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>A validated playbook: immutable, positioned, with its content hash as <see cref="Version"/>.</summary>
public sealed record Playbook(
    string Name,
    string? Description,
    string? Owner,
    ImmutableSortedDictionary<string, string> Labels,
    ImmutableArray<ParamSpec> Params,
    Triggers On,
    int? Concurrency,
    TimeSpan? Timeout,
    bool FailFast,
    StepDefaults Defaults,
    ImmutableArray<TaskSpec> Tasks,
    ImmutableArray<OutputSpec> Outputs,
    string Version,
    string File)
{
    public TaskSpec? FindTask(string id)
    {
        foreach (var task in Tasks)
        {
            if (task.Id == id)
            {
                return task;
            }
        }

        return null;
    }

    /// <summary>The plugin whose steps wait as long as they were asked to: inherited retry and timeout skip it.</summary>
    public const string WaitPlugin = "wait";

    /// <summary>The retry policy a step runs under: its own, else its task's, else the playbook's defaults (a <c>wait</c> step: only its own).</summary>
    public RetryPolicy EffectiveRetry(TaskSpec task, StepSpec step)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(step);
        return step.Uses == WaitPlugin ? step.Retry ?? RetryPolicy.None : step.Retry ?? task.Retry ?? Defaults.Retry ?? RetryPolicy.None;
    }

    /// <summary>The per-attempt timeout of a step: its own, else its task's, else the playbook's defaults (a <c>wait</c> step: only its own).</summary>
    public TimeSpan? EffectiveTimeout(TaskSpec task, StepSpec step)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(step);
        return step.Uses == WaitPlugin ? step.Timeout : step.Timeout ?? task.Timeout ?? Defaults.Timeout;
    }

    /// <summary>The external worker queue a step runs on, or null when it runs inside the cluster.</summary>
    public static string? EffectiveWorker(TaskSpec task, StepSpec step) => step.Worker ?? task.Worker;
}

/// <summary>Applied to every step unless the step or its task says otherwise.</summary>
public sealed record StepDefaults(RetryPolicy? Retry, TimeSpan? Timeout)
{
    public static readonly StepDefaults None = new(null, null);
}
