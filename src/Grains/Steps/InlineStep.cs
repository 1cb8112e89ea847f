using System.Text;
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
/// succeeded at the first attempt. Anything else (an expression error, a plugin failure, an output over the limit,
/// a task deadline already passed) gives null, and the step goes to its grain, which runs it from the start with
/// its retries, timeouts and error messages. An inline plugin has no effect to repeat, so that is safe.
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
            var scope = step.If is null && step.With is null ? null : ScopeData.ToScope(scopeData(), secrets);
            if (step.If is { } condition && !StepGrain.Truthy(condition.Evaluate(ExpressionEngine.Shared, scope!)))
            {
                StepGrain.Publish(events, time, key, command, 0, RunEventKind.StepSkipped, "condition");
                return new StepRecord(step.Id, WorkStatus.Skipped, 0, null, null, now, now, "condition", Inline: true);
            }

            var input = step.With?.Render(ExpressionEngine.Shared, scope!);
            var logged = 0;
            var context = new StepContext
            {
                Input = input,
                RunId = command.RunId,
                Playbook = command.Playbook,
                Task = command.TaskId,
                Index = command.Index,
                Step = command.StepId,
                Attempt = 1,
                RunAttempt = command.RunAttempt,
                IdempotencyKey = key,
                Logger = logger,
                Time = time,
                Redact = text => SecretStore.Redact(text, secrets),
                Log = line => StepGrain.Publish(events, time, key, command, 1, RunEventKind.StepLog, SecretStore.Redact(line, secrets), ++logged),
                WaitForSignalAsync = (_, _) => throw new InvalidOperationException($"plugin '{plugin.Name}' runs inline and cannot wait"),
            };
            StepGrain.Publish(events, time, key, command, 1, RunEventKind.StepStarted, step.Uses);
            var running = plugin.ExecuteAsync(context, CancellationToken.None);
            if (!running.IsCompletedSuccessfully)
            {
                return null; // Not finished at once after all (or failed): its grain runs it properly.
            }

            var output = running.Result is { } node ? SecretStore.Redact(node.ToJsonString(), secrets) : null;
            if (output is not null && Encoding.UTF8.GetByteCount(output) > maxOutputBytes)
            {
                return null;
            }

            var ended = time.GetUtcNow();
            StepGrain.Publish(events, time, key, command, 1, RunEventKind.StepSucceeded, null);
            return new StepRecord(step.Id, WorkStatus.Succeeded, 1, output, null, ended, now, null, Inline: true);
        }
        catch (ExpressionException)
        {
            return null;
        }
        catch (StepFailedException)
        {
            return null;
        }
    }
}
