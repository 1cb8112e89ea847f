using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Tasks;

namespace Orleans.Workflow.Steps;

/// <summary>
/// The fast path for a step whose plugin runs inline (<see cref="IStepPlugin.RunsInline"/>: <c>noop</c>, <c>log</c>):
/// its task runs it within its own turn and keeps the step's record in its own state, so the step costs no grain,
/// no message and no write of its own. Only the plain outcomes are settled here: skipped by its <c>if</c>, or
/// succeeded at the first attempt. Anything else (an expression error, a plugin failure or suspension, an output
/// over the limit, a task deadline already passed) gives null, and the step goes to its grain, which runs it from
/// the start with its retries, timeouts and error messages. An inline plugin has no effect to repeat, so that is safe.
/// Both paths run the step through <see cref="StepExecution"/>.
/// </summary>
internal sealed class InlineStep(
    PluginRegistry plugins,
    RunEventPublisher events,
    TimeProvider time,
    ILogger logger,
    int maxOutputBytes)
{
    private IReadOnlyDictionary<string, string>? _secrets;
    private Func<IReadOnlyDictionary<string, string>>? _readSecrets;

    /// <summary>Reads the secrets at most once for the steps run inline in one turn.</summary>
    public InlineStep WithSecrets(Func<IReadOnlyDictionary<string, string>> read)
    {
        _readSecrets = read;
        _secrets = null;
        return this;
    }

    /// <summary>Whether <paramref name="step"/> can take the fast path at all.</summary>
    public bool Applies(StepSpec step) => plugins.TryGet(step.Uses, out var plugin) && plugin.RunsInline;

    /// <summary>Runs <paramref name="step"/> inline; null when it must go to its grain instead.</summary>
    public StepRecord? TryRun(ExecuteStep command, StepSpec step, Func<JsonObject> scopeData)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(step);
        var now = time.GetUtcNow();
        if (!plugins.TryGet(step.Uses, out var plugin) || !plugin.RunsInline || (command.Deadline is { } deadline && now >= deadline))
        {
            return null;
        }

        var secrets = _secrets ??= _readSecrets?.Invoke() ?? new Dictionary<string, string>();
        ArgumentNullException.ThrowIfNull(scopeData);
        var key = GrainKeys.Step(GrainKeys.Execution(command.RunId, command.RunAttempt), command.TaskId, command.Index, command.StepId);
        try
        {
            // A step with neither `if` nor `with` reads nothing: its scope is never built.
            ExpressionScope? scope = null;
            ExpressionScope Scope() => scope ??= ScopeData.ToScope(scopeData(), secrets);
            if (!StepExecution.ShouldRun(step, Scope))
            {
                StepExecution.Publish(events, time, key, command, 0, RunEventKinds.Ended(WorkLevel.Step, WorkStatus.Skipped), WorkReason.Condition.Name());
                return new StepRecord(step.Id, WorkStatus.Skipped, 0, null, null, now, now, WorkReason.Condition, Inline: true);
            }

            var input = step.With?.Render(ExpressionEngine.Shared, Scope());
            // Its events wait until it is settled here: a step handed to its grain publishes its own, once.
            var lines = new List<string>();
            var context = StepExecution.Context(command, key, 1, input, secrets, lines.Add, logger, time);
            var running = StepExecution.RunAsync(plugin, context, new AttemptBounds(now, null, "timed out"), secrets, static () => null, logger, CancellationToken.None, logCrash: false); // its grain logs it
            if (!running.IsCompletedSuccessfully || running.Result is not { Status: WorkStatus.Succeeded } result
                || StepExecution.OutputTooLarge(result.OutputJson, maxOutputBytes) is not null)
            {
                return null; // Not finished at once after all, failed, suspended or too large: its grain runs it properly.
            }

            var ended = time.GetUtcNow();
            StepExecution.Publish(events, time, key, command, 1, RunEventKind.StepStarted, step.Uses);
            for (var i = 0; i < lines.Count; i++)
            {
                StepExecution.Publish(events, time, key, command, 1, RunEventKind.StepLog, SecretStore.Redact(lines[i], secrets), i + 1);
            }

            StepExecution.Publish(events, time, key, command, 1, RunEventKinds.Ended(WorkLevel.Step, WorkStatus.Succeeded), null);
            return new StepRecord(step.Id, WorkStatus.Succeeded, 1, result.OutputJson, null, ended, now, null, Inline: true);
        }
        catch (ExpressionException)
        {
            return null;
        }
    }
}
