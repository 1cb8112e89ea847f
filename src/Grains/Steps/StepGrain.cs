using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

/// <summary>
/// One step: evaluates its <c>if</c>, renders its input for each attempt, runs the plugin outside its turn,
/// retries under the step's policy, enforces the attempt timeout and the task/run deadline, and reports
/// the outcome to its task (one-way; the task polls <see cref="GetOutcomeAsync"/> as a backstop).
/// </summary>
public sealed partial class StepGrain(
    [PersistentState("step", WorkflowStorage.Name)] IPersistentState<StepGrainState> state,
    PlaybookCache playbooks,
    PluginRegistry plugins,
    SecretStore secrets,
    RunEventPublisher events,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<StepGrain> logger) : Grain, IStepGrain, IDisposable
{
    private const int MaxLogEventsPerAttempt = 1000;
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    private CancellationTokenSource? _attempt;
    private WorkStatus? _cancelledAs;
    private IGrainTimer? _retryTimer;

    // While a plugin runs outside the grain's turn nothing calls the grain, and Orleans would collect it as
    // idle, losing the attempt's cancellation and signal waiters: a keep-alive timer holds it active.
    private IGrainTimer? _keepAlive;
    private IGrainTimer? _waitTimeout;
    private readonly Dictionary<string, TaskCompletionSource<string>> _signals = new(StringComparer.Ordinal);
    private StepGrainState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Command is null)
        {
            return Task.CompletedTask;
        }

        if (S.Status.IsFinal())
        {
            // The report may have been lost with the silo that sent it; the task ignores a duplicate.
            Report();
        }
        else if (S.NextAttemptAt is { } due)
        {
            ScheduleAttempt(due - time.GetUtcNow());
        }
        else if (S.Status == WorkStatus.Running && S.WaitSignal is not null)
        {
            // A wait for a signal outlives its activation: ask the run again (idempotent) and re-arm the timeout.
            ResumeSignalWait();
        }
        else if (S.Status == WorkStatus.Running)
        {
            // The attempt that was running died with its silo: it counts as a failed attempt.
            ScheduleAttempt(TimeSpan.Zero, interrupted: true);
        }

        return Task.CompletedTask;
    }

    public async Task ExecuteAsync(ExecuteStep command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (S.Command is not null)
        {
            if (S.Status.IsFinal())
            {
                Report();
            }

            return;
        }

        S.Command = command;
        var (_, step) = await SpecAsync();
        S.ContinueOnError = step.ContinueOnError;
        if (step.If is { } condition)
        {
            bool run;
            try
            {
                run = Truthy(condition.Evaluate(ExpressionEngine.Shared, Scope(secrets.Current())));
            }
            catch (ExpressionException ex)
            {
                await EndAsync(WorkStatus.Failed, null, $"'if' failed: {Redact(ex.Message)}");
                return;
            }

            if (!run)
            {
                S.Reason = "condition";
                await EndAsync(WorkStatus.Skipped, null, null);
                return;
            }
        }

        await StartAttemptAsync();
    }

    public async Task CancelAsync(WorkStatus status, string reason)
    {
        if (S.Status.IsFinal())
        {
            return;
        }

        _cancelledAs = status;
        _attempt?.Cancel();
        _retryTimer?.Dispose();
        S.NextAttemptAt = null;
        await EndAsync(status, S.OutputJson, reason);
    }

    public async Task<bool> SignalAsync(string name, string payloadJson)
    {
        TaskCompletionSource<string>? waiter;
        lock (_signals)
        {
            _signals.Remove(name, out waiter);
        }

        if (waiter is not null)
        {
            return waiter.TrySetResult(payloadJson);
        }

        if (S.Status != WorkStatus.Running || S.WaitSignal != name)
        {
            return false;
        }

        await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Succeeded, SecretStore.Redact(AsJson(payloadJson), secrets.Current()), null));
        return true;
    }

    public void Dispose()
    {
        _attempt?.Dispose();
        _retryTimer?.Dispose();
        _keepAlive?.Dispose();
        _waitTimeout?.Dispose();
    }

    public Task<StepSnapshot> GetSnapshotAsync() => Task.FromResult(Snapshot());

    public Task<StepEnded?> GetOutcomeAsync() => Task.FromResult(S.Status.IsFinal() ? Outcome() : null);

    public async Task AttemptEndedAsync(AttemptResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Attempt != S.Attempts || S.Status != WorkStatus.Running)
        {
            return; // A late answer from an attempt that was cancelled or superseded.
        }

        _attempt?.Dispose();
        _attempt = null;
        StopWaiting();
        if (result.Status == WorkStatus.Succeeded)
        {
            var size = result.OutputJson is null ? 0 : Encoding.UTF8.GetByteCount(result.OutputJson);
            if (size > options.Value.MaxOutputBytes)
            {
                await EndAsync(WorkStatus.Failed, null, $"output is {size:N0} bytes; the limit is {options.Value.MaxOutputBytes:N0} bytes (Workflow:MaxOutputBytes)");
                return;
            }

            await EndAsync(WorkStatus.Succeeded, result.OutputJson, null);
            return;
        }

        var (task, step) = await SpecAsync();
        var policy = (await playbooks.GetAsync(S.Command!.Playbook, S.Command.Version)).EffectiveRetry(task, step);
        var now = time.GetUtcNow();
        var next = now + policy.DelayBefore(S.Attempts + 1);
        var retryable = result.Status != WorkStatus.Cancelled
            && S.Attempts < policy.Attempts
            && (S.Command.Deadline is not { } deadline || next < deadline);
        if (!retryable)
        {
            await EndAsync(result.Status, result.OutputJson, result.Error);
            return;
        }

        S.Error = result.Error;
        S.OutputJson = result.OutputJson;
        S.Status = WorkStatus.Queued;
        S.NextAttemptAt = next;
        await state.WriteStateAsync();
        Publish(RunEventKind.StepRetryScheduled, $"attempt {S.Attempts} {result.Status.Name()}: {result.Error}; attempt {S.Attempts + 1} at {next:O}");
        ScheduleAttempt(next - now);
    }

    private void ScheduleAttempt(TimeSpan delay, bool interrupted = false)
    {
        _retryTimer?.Dispose();
        _retryTimer = this.RegisterGrainTimer(
            async () =>
            {
                _retryTimer?.Dispose();
                _retryTimer = null;
                if (interrupted)
                {
                    await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Failed, null, "attempt interrupted: its silo stopped"));
                }
                else
                {
                    await StartAttemptAsync();
                }
            },
            new GrainTimerCreationOptions(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task StartAttemptAsync()
    {
        var command = S.Command!;
        var playbook = await playbooks.GetAsync(command.Playbook, command.Version);
        var (task, step) = await SpecAsync();
        var now = time.GetUtcNow();
        if (command.Deadline is { } deadline && now >= deadline)
        {
            await EndAsync(WorkStatus.TimedOut, null, $"{TaskTimeoutText(task)} expired before it could start");
            return;
        }

        S.Attempts++;
        S.Status = WorkStatus.Running;
        S.NextAttemptAt = null;
        S.StartedAt ??= now;
        if (!plugins.TryGet(step.Uses, out var plugin))
        {
            Publish(RunEventKind.StepStarted, step.Uses);
            await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Failed, null, $"plugin '{step.Uses}' is not mounted on this silo"));
            return;
        }

        // An attempt that leaves the turn is written as running first, so a crash during it counts as an attempt.
        // An inline one ends within this turn and is written once, when it ends.
        if (!plugin.RunsInline)
        {
            await state.WriteStateAsync();
        }

        Publish(RunEventKind.StepStarted, step.Uses);

        var currentSecrets = secrets.Current();
        JsonNode? input;
        try
        {
            input = step.With?.Render(ExpressionEngine.Shared, Scope(currentSecrets));
        }
        catch (ExpressionException ex)
        {
            await EndAsync(WorkStatus.Failed, null, $"input failed: {SecretStore.Redact(ex.Message, currentSecrets)}");
            return;
        }

        var timeout = playbook.EffectiveTimeout(task, step);
        var timedOutMessage = $"timed out after {Duration.Format(timeout ?? TimeSpan.Zero)}";
        if (command.Deadline is { } taskDeadline && (timeout is null || now + timeout > taskDeadline))
        {
            timeout = taskDeadline - now;
            timedOutMessage = $"{TaskTimeoutText(task)} expired";
        }

        if (plugin is WaitPlugin && WaitPlugin.SignalOf(input) is { } wait)
        {
            await WaitForSignalAsync(wait.Signal, wait.Timeout);
            return;
        }

        var context = Context(input, currentSecrets);
        if (plugin.RunsInline)
        {
            await AttemptEndedAsync(await RunPluginAsync(plugin, context, S.Attempts, timedOutMessage, currentSecrets, CancellationToken.None));
            return;
        }

        _attempt = new CancellationTokenSource();
        _cancelledAs = null;
        _keepAlive ??= this.RegisterGrainTimer(static () => Task.CompletedTask, new GrainTimerCreationOptions(KeepAlivePeriod, KeepAlivePeriod) { KeepAlive = true });
        if (timeout is { } limit)
        {
            _attempt.CancelAfter(limit);
        }

        var self = this.AsReference<IStepGrain>();
        var attempt = S.Attempts;
        var token = _attempt.Token;
        var key = this.GetPrimaryKeyString();
        _ = Task.Run(async () =>
        {
            AttemptResult result;
            try
            {
                result = await RunPluginAsync(plugin, context, attempt, timedOutMessage, currentSecrets, token);
            }
            catch (Exception ex)
            {
                // Whatever happens, the grain hears how the attempt ended.
                PluginCrashed(logger, key, ex.GetType().Name, ex.Message);
                result = new AttemptResult(attempt, WorkStatus.Failed, null, $"{plugin.Name} failed: {ex.GetType().Name}");
            }

            await DeliverAsync(self, result);
        });
    }

    // A `wait` for a signal is kept in the step's state, not in a running plugin, so the step can be
    // deactivated while it waits and the signal (delivered by the run) activates it again.
    private async Task WaitForSignalAsync(string signal, TimeSpan? timeout)
    {
        S.WaitSignal = signal;
        S.WaitTimeoutAt = timeout is { } limit ? time.GetUtcNow() + limit : null;
        await state.WriteStateAsync();
        ResumeSignalWait();
    }

    private void ResumeSignalWait()
    {
        if (S.WaitTimeoutAt is { } due)
        {
            var signal = S.WaitSignal;
            var started = S.StartedAt ?? time.GetUtcNow();
            _waitTimeout?.Dispose();
            _waitTimeout = this.RegisterGrainTimer(
                () => AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.TimedOut, null, $"no signal '{signal}' arrived within {Duration.Format(due - started)}")),
                new GrainTimerCreationOptions(Max(due - time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }

        GrainFactory.GetGrain<IRunGrain>(S.Command!.RunId).AwaitSignalAsync(S.WaitSignal!, this.GetPrimaryKeyString()).Ignore();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // A signal's payload is JSON; anything else is kept as a JSON string.
    private static string AsJson(string payload)
    {
        try
        {
            return JsonNode.Parse(payload)?.ToJsonString() ?? "null";
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(payload).ToJsonString();
        }
    }

    private async Task<AttemptResult> RunPluginAsync(IStepPlugin plugin, StepContext context, int attempt, string timedOutMessage, IReadOnlyDictionary<string, string> currentSecrets, CancellationToken token)
    {
        string Clean(string text) => SecretStore.Redact(text, currentSecrets);
        try
        {
            var output = await plugin.ExecuteAsync(context, token);
            return new AttemptResult(attempt, WorkStatus.Succeeded, output is null ? null : Clean(output.ToJsonString()), null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return _cancelledAs is { } status
                ? new AttemptResult(attempt, WorkStatus.Cancelled, null, $"{status.Name()}")
                : new AttemptResult(attempt, WorkStatus.TimedOut, null, timedOutMessage);
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
            PluginCrashed(logger, context.IdempotencyKey, ex.GetType().Name, Clean(ex.Message));
            return new AttemptResult(attempt, WorkStatus.Failed, null, Clean($"{plugin.Name} failed: {ex.Message}"));
        }
    }

    private static async Task DeliverAsync(IStepGrain self, AttemptResult result)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                await self.AttemptEndedAsync(result);
                return;
            }
            catch (Exception) when (tries < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * (tries + 1)));
            }
        }
    }

    private StepContext Context(JsonNode? input, IReadOnlyDictionary<string, string> currentSecrets)
    {
        var command = S.Command!;
        var key = this.GetPrimaryKeyString();
        var logged = 0;
        var attempt = S.Attempts;
        var run = GrainFactory.GetGrain<IRunGrain>(command.RunId);
        return new StepContext
        {
            Input = input,
            RunId = command.RunId,
            Playbook = command.Playbook,
            Task = command.TaskId,
            Index = command.Index,
            Step = command.StepId,
            Attempt = attempt,
            IdempotencyKey = key,
            Logger = logger,
            Grains = GrainFactory,
            Time = time,
            Redact = text => SecretStore.Redact(text, currentSecrets),
            Log = line =>
            {
                var number = Interlocked.Increment(ref logged);
                if (number <= MaxLogEventsPerAttempt)
                {
                    Publish(events, time, key, command, attempt, RunEventKind.StepLog, SecretStore.Redact(line, currentSecrets), number);
                }
            },
            WaitForSignalAsync = async (name, cancellationToken) =>
            {
                var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_signals)
                {
                    _signals[name] = waiter;
                }

                await run.AwaitSignalAsync(name, key);
                using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
                return await waiter.Task;
            },
        };
    }

    // The attempt is over: nothing keeps the grain active for it or waits on its behalf any more.
    private void StopWaiting()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
        _waitTimeout?.Dispose();
        _waitTimeout = null;
        S.WaitSignal = null;
        S.WaitTimeoutAt = null;
    }

    private async Task EndAsync(WorkStatus status, string? outputJson, string? error)
    {
        StopWaiting();
        S.Status = status;
        S.OutputJson = outputJson;
        S.Error = error;
        S.EndedAt = time.GetUtcNow();
        S.NextAttemptAt = null;
        await state.WriteStateAsync();
        Publish(status switch
        {
            WorkStatus.Succeeded => RunEventKind.StepSucceeded,
            WorkStatus.Skipped => RunEventKind.StepSkipped,
            WorkStatus.Cancelled => RunEventKind.StepCancelled,
            WorkStatus.TimedOut => RunEventKind.StepTimedOut,
            _ => RunEventKind.StepFailed,
        }, error ?? S.Reason);
        Report();
    }

    private void Report()
    {
        var command = S.Command!;
        try
        {
            GrainFactory.GetGrain<ITaskGrain>(GrainKeys.Task(command.RunId, command.TaskId)).StepEndedAsync(Outcome()).Ignore();
        }
        catch (Exception ex)
        {
            ReportFailed(logger, this.GetPrimaryKeyString(), ex.Message);
        }
    }

    private StepEnded Outcome() =>
        new(S.Command!.Index, S.Command.StepId, S.Status, S.OutputJson, S.Error, S.Attempts, S.ContinueOnError);

    private StepSnapshot Snapshot() =>
        new(S.Command?.StepId ?? GrainKeys.ParseStep(this.GetPrimaryKeyString()).StepId, S.Status, S.Attempts, S.OutputJson, S.Error, S.StartedAt, S.EndedAt, S.Reason);

    private async Task<(TaskSpec Task, StepSpec Step)> SpecAsync()
    {
        var command = S.Command!;
        var playbook = await playbooks.GetAsync(command.Playbook, command.Version);
        var task = playbook.FindTask(command.TaskId) ?? throw new InvalidOperationException($"task '{command.TaskId}' is not in version {command.Version}");
        var step = task.Steps.FirstOrDefault(s => s.Id == command.StepId) ?? throw new InvalidOperationException($"step '{command.StepId}' is not in task '{command.TaskId}'");
        return (task, step);
    }

    private static string TaskTimeoutText(TaskSpec task) =>
        task.Timeout is { } limit ? $"the task's timeout of {Duration.Format(limit)}" : "the task's timeout";

    private ExpressionScope Scope(IReadOnlyDictionary<string, string> currentSecrets) =>
        ScopeData.ToScope(ScopeData.Parse(S.Command!.ScopeJson), currentSecrets);

    private string Redact(string text) => SecretStore.Redact(text, secrets.Current());

    private void Publish(RunEventKind kind, string? message) =>
        Publish(events, time, this.GetPrimaryKeyString(), S.Command!, S.Attempts, kind, message);

    // Static and given everything it needs, so plugin threads can call it outside the grain's turn.
    // An event's id is stable (step, attempt, kind, and a log line's number), so a subscriber can tell a repeat.
    internal static void Publish(RunEventPublisher events, TimeProvider time, string key, ExecuteStep command, int attempt, RunEventKind kind, string? message, int line = 0) =>
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

    internal static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v when v.TryGetValue<double>(out var d) => d != 0 && !double.IsNaN(d),
        JsonValue v when v.TryGetValue<long>(out var l) => l != 0,
        _ => true,
    };
}
