using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Playbooks.Planning;

/// <summary>What the planner decided for one pending task.</summary>
public sealed record TaskDecision(string Task, TaskDecisionKind Kind, SkipReason? Reason = null, string? Detail = null);

public enum TaskDecisionKind
{
    /// <summary>Its upstream allows it to start now (its <c>if</c> is still to be evaluated).</summary>
    Ready,

    /// <summary>It will never run; see the reason.</summary>
    Skip,
}

/// <summary>
/// Given the states of a run's tasks, decides which pending tasks are ready and which are skipped,
/// under each task's <see cref="TriggerRule"/>. Pure: the run grain calls it after every change.
/// </summary>
public sealed class RunPlanner
{
    private readonly Playbook _playbook;

    public RunPlanner(Playbook playbook)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        _playbook = playbook;
        Order = TaskGraph.TopologicalOrder(playbook);
    }

    /// <summary>The tasks in an order where each follows everything it needs.</summary>
    public ImmutableArray<string> Order { get; }

    /// <summary>
    /// Decisions for every task that is still pending (a task missing from <paramref name="states"/> is pending).
    /// Skips propagate within one call: a task skipped here counts as skipped for the tasks after it.
    /// </summary>
    public IReadOnlyList<TaskDecision> Plan(IReadOnlyDictionary<string, TaskState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var current = new Dictionary<string, TaskState>(states, StringComparer.Ordinal);
        var decisions = new List<TaskDecision>();
        foreach (var id in Order)
        {
            if (current.GetValueOrDefault(id, TaskState.Pending) != TaskState.Pending)
            {
                continue;
            }

            var task = _playbook.FindTask(id)!;
            var decision = Decide(task, current);
            if (decision is null)
            {
                continue;
            }

            decisions.Add(decision);
            if (decision.Kind == TaskDecisionKind.Skip)
            {
                current[id] = TaskState.Skipped;
            }
        }

        return decisions;
    }

    /// <summary>The decision for one task, or null while it must keep waiting.</summary>
    public static TaskDecision? Decide(TaskSpec task, IReadOnlyDictionary<string, TaskState> states)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(states);
        if (task.Needs.IsEmpty)
        {
            return new TaskDecision(task.Id, TaskDecisionKind.Ready);
        }

        int succeeded = 0, failed = 0, skipped = 0, done = 0;
        string? firstFailed = null, firstSkipped = null, firstSucceeded = null;
        foreach (var need in task.Needs)
        {
            var state = states.GetValueOrDefault(need.Task, TaskState.Pending);
            if (!state.IsFinal())
            {
                continue;
            }

            done++;
            if (state == TaskState.Succeeded)
            {
                succeeded++;
                firstSucceeded ??= need.Task;
            }
            else if (state.IsFailure())
            {
                failed++;
                firstFailed ??= need.Task;
            }
            else
            {
                skipped++;
                firstSkipped ??= need.Task;
            }
        }

        var all = task.Needs.Length;
        var allDone = done == all;
        TaskDecision Ready() => new(task.Id, TaskDecisionKind.Ready);
        TaskDecision Skip(SkipReason reason, string detail) => new(task.Id, TaskDecisionKind.Skip, reason, detail);

        return task.TriggerRule switch
        {
            TriggerRule.AllSuccess when failed > 0 => Skip(SkipReason.UpstreamFailed, $"upstream '{firstFailed}' failed"),
            TriggerRule.AllSuccess when skipped > 0 => Skip(SkipReason.UpstreamSkipped, $"upstream '{firstSkipped}' was skipped"),
            TriggerRule.AllSuccess when succeeded == all => Ready(),

            TriggerRule.AllDone when allDone => Ready(),

            TriggerRule.AllFailed when succeeded > 0 => Skip(SkipReason.TriggerRule, $"all_failed: upstream '{firstSucceeded}' succeeded"),
            TriggerRule.AllFailed when skipped > 0 => Skip(SkipReason.TriggerRule, $"all_failed: upstream '{firstSkipped}' was skipped"),
            TriggerRule.AllFailed when failed == all => Ready(),

            TriggerRule.OneFailed when failed > 0 => Ready(),
            TriggerRule.OneFailed when allDone => Skip(SkipReason.TriggerRule, "one_failed: no upstream failed"),

            TriggerRule.OneSuccess when succeeded > 0 => Ready(),
            TriggerRule.OneSuccess when allDone => Skip(SkipReason.TriggerRule, "one_success: no upstream succeeded"),

            TriggerRule.NoneFailed when failed > 0 => Skip(SkipReason.UpstreamFailed, $"upstream '{firstFailed}' failed"),
            TriggerRule.NoneFailed when allDone => Ready(),

            _ => null,
        };
    }
}
