using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Planning;

namespace Orleans.Workflow.Playbooks.Tests.Planning;

/// <summary>Builds task graphs directly (a playbook with a cycle never loads) and reads states in short form.</summary>
internal static class PlanKit
{
    public static TaskSpec Task(string id, TriggerRule rule, params string[] needs) =>
        new(id, [.. needs.Select(n => new TaskNeed(n, SourcePosition.Start))], [], null, rule, null, null, null, [], [], null, null, null, SourcePosition.Start);

    public static TaskSpec Task(string id, params string[] needs) => Task(id, TriggerRule.AllSuccess, needs);

    public static Playbook Playbook(params TaskSpec[] tasks) =>
        new("plan-test", null, null, ImmutableSortedDictionary<string, string>.Empty, [], Triggers.Empty, null, null, false, StepDefaults.None, [.. tasks], [], "v1", "plan-test.yaml");

    /// <summary>S succeeded, F failed, T timed out, C cancelled, K skipped, R running, Q queued, P pending.</summary>
    public static TaskState State(char code) => code switch
    {
        'S' => TaskState.Succeeded,
        'F' => TaskState.Failed,
        'T' => TaskState.TimedOut,
        'C' => TaskState.Cancelled,
        'K' => TaskState.Skipped,
        'R' => TaskState.Running,
        'Q' => TaskState.Queued,
        'P' => TaskState.Pending,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "unknown state code"),
    };

    public static readonly char[] AllCodes = ['S', 'F', 'T', 'C', 'K', 'R', 'Q', 'P'];

    public static Dictionary<string, TaskState> States(params (string Task, TaskState State)[] states) =>
        states.ToDictionary(s => s.Task, s => s.State, StringComparer.Ordinal);

    /// <summary>"ready", "wait", or "skip:reason" for a decision.</summary>
    public static string Describe(TaskDecision? decision) => decision switch
    {
        null => "wait",
        { Kind: TaskDecisionKind.Ready } => "ready",
        { Kind: TaskDecisionKind.Skip, Reason: { } reason } => "skip:" + reason.Name(),
        _ => "skip:?",
    };
}
