using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

/// <summary>The bounds of one attempt: when it started, when its timeout (or its task's) ends it, and what it then says.</summary>
internal sealed record AttemptBounds(DateTimeOffset StartedAt, DateTimeOffset? LimitAt, string TimedOutMessage);

/// <summary>
/// Running a step, once for both paths that run one: the step grain (<see cref="StepGrain"/>) and its task's
/// inline fast path (<see cref="InlineStep"/>). Here: the step's spec, its <c>if</c>, the context its plugin
/// sees, one attempt of the plugin with every way it can end (output, failure, timeout, cancellation,
/// suspension), the output-size limit, and the events it publishes. Static and given everything it needs, so a
/// plugin's thread can call it outside a grain's turn.
/// </summary>
internal static class StepExecution
{
    /// <summary>The task and step <paramref name="command"/> runs, in its pinned playbook version.</summary>
    public static async Task<(Playbook Playbook, TaskSpec Task, StepSpec Step)> SpecAsync(PlaybookCache playbooks, ExecuteStep command)
    {
        var playbook = await playbooks.GetAsync(command.Playbook, command.Version);
        var task = playbook.FindTask(command.TaskId) ?? throw new InvalidOperationException($"task '{command.TaskId}' is not in version {command.Version}");
        var step = task.Steps.FirstOrDefault(s => s.Id == command.StepId) ?? throw new InvalidOperationException($"step '{command.StepId}' is not in task '{command.TaskId}'");
        return (playbook, task, step);
    }

    /// <summary>Whether an <c>if</c> (of a step or a task) lets it run: false, null, "", 0 and NaN do not.</summary>
    public static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v when v.TryGetValue<double>(out var d) => d != 0 && !double.IsNaN(d),
        JsonValue v when v.TryGetValue<long>(out var l) => l != 0,
        _ => true,
    };

    /// <summary>Evaluates the step's <c>if</c>: true when it has none or it holds (throws <see cref="ExpressionException"/>).</summary>
    public static bool ShouldRun(StepSpec step, Func<ExpressionScope> scope) =>
        step.If is not { } condition || Truthy(condition.Evaluate(ExpressionEngine.Shared, scope()));

    /// <summary>The error when an output is over <paramref name="maxBytes"/>, else null.</summary>
    public static string? OutputTooLarge(string? outputJson, int maxBytes)
    {
        var size = outputJson is null ? 0 : Encoding.UTF8.GetByteCount(outputJson);
        return size > maxBytes ? $"output is {size:N0} bytes; the limit is {maxBytes:N0} bytes (Workflow:MaxOutputBytes)" : null;
    }

    /// <summary>What the plugin of one attempt sees.</summary>
    public static StepContext Context(ExecuteStep command, string key, int attempt, JsonNode? input, IReadOnlyDictionary<string, string> secrets, Action<string> log, ILogger logger, TimeProvider time) => new()
    {
        Input = input,
        RunId = command.RunId,
        Playbook = command.Playbook,
        Task = command.TaskId,
        Index = command.Index,
        Step = command.StepId,
        Attempt = attempt,
        RunAttempt = command.RunAttempt,
        IdempotencyKey = key,
        Logger = logger,
        Time = time,
        Redact = text => SecretStore.Redact(text, secrets),
        Log = log,
    };

    /// <summary>
    /// Runs one attempt of <paramref name="plugin"/> and says how it ended; never throws. Output and errors are
    /// redacted. A suspension ends it <see cref="WorkStatus.Running"/> with what it waits for. When
    /// <paramref name="token"/> ends it, <paramref name="cancelled"/> says why if not the timeout.
    /// </summary>
    public static async Task<AttemptResult> RunAsync(
        IStepPlugin plugin,
        StepContext context,
        AttemptBounds bounds,
        IReadOnlyDictionary<string, string> secrets,
        Func<AttemptResult?> cancelled,
        ILogger logger,
        CancellationToken token,
        bool logCrash = true)
    {
        string Clean(string text) => SecretStore.Redact(text, secrets);
        var attempt = context.Attempt;
        try
        {
            var output = await plugin.ExecuteAsync(context, token);
            if (context.Suspension is { } suspension)
            {
                return new AttemptResult(attempt, WorkStatus.Running, null, null, Suspension: Stored(suspension, bounds));
            }

            return new AttemptResult(attempt, WorkStatus.Succeeded, output is null ? null : Clean(output.ToJsonString()), null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return cancelled() ?? new AttemptResult(attempt, WorkStatus.TimedOut, null, bounds.TimedOutMessage);
        }
        catch (TimeoutException ex)
        {
            return new AttemptResult(attempt, WorkStatus.TimedOut, null, Clean(ex.Message));
        }
        catch (StepFailedException ex)
        {
            return new AttemptResult(attempt, WorkStatus.Failed, ex.Output is null ? null : Clean(ex.Output.ToJsonString()), Clean(ex.Message));
        }
        catch (Exception ex)
        {
            if (logCrash)
            {
                // Its text may quote the rendered input: logged with secrets masked, stack trace included.
                StepLogs.PluginCrashed(logger, context.IdempotencyKey, ex.GetType().Name, new RedactedException(Clean(ex.ToString())));
            }

            return new AttemptResult(attempt, WorkStatus.Failed, null, Clean($"{plugin.Name} failed: {ex.Message}"));
        }
    }

    /// <summary>A plugin's exception as logged: its whole text (type, message, stack) with secrets masked.</summary>
    private sealed class RedactedException(string text) : Exception(text)
    {
        public override string ToString() => Message;
    }

    /// <summary>
    /// A plugin's suspension as the step keeps it. A signal waits within its own timeout only (as long as the run
    /// may last without one); a time is bounded by the attempt's timeout as well.
    /// </summary>
    public static StepSuspension Stored(Suspension suspension, AttemptBounds bounds)
    {
        if (suspension.Signal is { } signal)
        {
            var timeoutAt = suspension.Timeout is { } limit ? bounds.StartedAt + limit : (DateTimeOffset?)null;
            return new StepSuspension(signal, null, timeoutAt, suspension.TimeoutError);
        }

        var wakeAt = suspension.At ?? bounds.StartedAt;
        return new StepSuspension(null, wakeAt, bounds.LimitAt < wakeAt ? bounds.LimitAt : null, bounds.TimedOutMessage);
    }

    /// <summary>Publishes a step's event. Its id is stable (step, attempt, kind, a log line's number), so a subscriber can tell a repeat.</summary>
    public static void Publish(RunEventPublisher events, TimeProvider time, string key, ExecuteStep command, int attempt, RunEventKind kind, string? message, int line = 0) =>
        events.Publish(new RunEvent(
            line == 0 ? $"{key}#{attempt}#{kind}" : $"{key}#{attempt}#{kind}#{line}",
            command.RunId,
            kind,
            time.GetUtcNow(),
            command.TaskId,
            command.Index < 0 ? null : command.Index,
            command.StepId,
            attempt,
            message));
}
