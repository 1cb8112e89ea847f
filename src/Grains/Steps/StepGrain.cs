using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
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
    StepDrain drain,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<StepGrain> logger) : Grain, IStepGrain, IRemindable, IDisposable
{
    private const string WakeReminder = "wake";
    private const int MaxInterruptions = 3;

    // A step that a draining silo will not start is handed over: a reminder wakes it this much later, elsewhere.
    private static readonly TimeSpan HandOverDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    private CancellationTokenSource? _attempt;
    private int _interruptedAttempt;

    // Tells this activation's attempts from an earlier activation's (see AttemptEndedAsync).
    private readonly Guid _activation = Guid.NewGuid();
    private WorkStatus? _cancelledAs;
    private IGrainTimer? _retryTimer;
    private IGrainTimer? _wake;

    // While a plugin runs outside the grain's turn nothing calls the grain, and Orleans would collect it as
    // idle, losing the attempt's cancellation and signal waiters: a keep-alive timer holds it active.
    private IGrainTimer? _keepAlive;
    private readonly Dictionary<string, TaskCompletionSource<string>> _signals = new(StringComparer.Ordinal);
    private StepGrainState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Command is null)
        {
            return;
        }

        if (S.Status.IsFinal())
        {
            // The report may have been lost with the silo that sent it; the task ignores a duplicate.
            Report();
        }
        else if (S.NextAttemptAt is { } due)
        {
            await ArmWakeAsync(due);
        }
        else if (S.Status == WorkStatus.Running && (S.WaitSignal is not null || S.WakeAt is not null))
        {
            // A wait outlives its activation: re-arm its wake-up and ask the run for its signal again (idempotent).
            await ResumeWaitAsync();
        }
        else if (S.Status == WorkStatus.Running)
        {
            // The attempt that was running died with its silo: it counts as a failed attempt.
            ScheduleAttempt(TimeSpan.Zero, interrupted: true);
        }
    }

    // An attempt never outlives its activation: were it left running, the next activation (which knows nothing
    // of it) would run the step again beside it. Cancelled here, its process tree ends; the task's re-send then
    // reaches the next activation, which counts the cut attempt. (A drained silo has no attempts left by now.)
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            _attempt?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended meanwhile.
        }

        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == WakeReminder ? WakeAsync() : Task.CompletedTask;

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
        if (command.Resent)
        {
            // Sent before, yet no record here: the earlier attempt was cut short with its silo (or, rarely, the
            // first send was lost too). It shows in the attempts and, being no fault of the step, costs no retry.
            S.Attempts = 1;
            S.Interruptions = 1;
            S.Error = "attempt interrupted: its silo stopped";
        }

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
        if (S.Command is null || S.Status.IsFinal())
        {
            return; // never sent here, or already over
        }

        _cancelledAs = status;
        _attempt?.Cancel();
        _retryTimer?.Dispose();
        _wake?.Dispose();
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
        _wake?.Dispose();
    }

    public Task<StepSnapshot> GetSnapshotAsync() => Task.FromResult(Snapshot());

    public Task<StepEnded?> GetOutcomeAsync() => Task.FromResult(S.Status.IsFinal() ? Outcome() : null);

    public async Task AttemptEndedAsync(AttemptResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Attempt != S.Attempts || S.Status != WorkStatus.Running || (result.Activation is { } from && from != _activation))
        {
            // A late answer from an attempt that was cancelled or superseded, or from an earlier activation (cancelled
            // when it was deactivated), whose attempt number the next activation's attempt may have reused.
            return;
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
        if (_interruptedAttempt == result.Attempt && S.Interruptions < MaxInterruptions)
        {
            S.Interruptions++; // not the step's fault: it gets the attempt back
        }

        _interruptedAttempt = 0;
        var retryable = result.Status != WorkStatus.Cancelled
            && S.Attempts < policy.Attempts + S.Interruptions
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
        await ArmWakeAsync(next);
        await state.WriteAsync(this, logger);
        Publish(RunEventKind.StepRetryScheduled, $"attempt {S.Attempts} {result.Status.Name()}: {result.Error}; attempt {S.Attempts + 1} at {next:O}");
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
                    _interruptedAttempt = S.Attempts;
                    await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Failed, null, "attempt interrupted: its silo stopped"));
                }
                else
                {
                    await StartAttemptAsync();
                }
            },
            new GrainTimerCreationOptions(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>
    /// Wakes the step at <paramref name="due"/> (a retry's next attempt, a wait's end or its timeout): a timer
    /// while the grain is active; for a long wait also a reminder, and then the timer does not keep the grain
    /// active, so an idle waiting step costs no activation. The caller writes the state (it says a reminder exists).
    /// </summary>
    private async Task ArmWakeAsync(DateTimeOffset due)
    {
        var delay = Max(due - time.GetUtcNow(), TimeSpan.Zero);
        var period = options.Value.WakeReminderPeriod;
        var remind = delay >= period || drain.IsDraining; // a draining silo's timers die with it
        _wake?.Dispose();
        _wake = this.RegisterGrainTimer(WakeAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = !remind });
        if (remind)
        {
            await this.RegisterOrUpdateReminder(WakeReminder, delay, period);
            S.WakeReminder = true;
        }
    }

    // From the wake timer or reminder: do whatever has fallen due; re-arm for what has not.
    private async Task WakeAsync()
    {
        _wake?.Dispose();
        _wake = null;
        var now = time.GetUtcNow();
        if (S.Status == WorkStatus.Queued && S.NextAttemptAt is { } next)
        {
            if (now >= next)
            {
                await StartAttemptAsync();
            }
            else
            {
                await ArmWakeAsync(next);
            }
        }
        else if (S.Status == WorkStatus.Running && S.WaitTimeoutAt is { } timeoutAt && now >= timeoutAt && !(S.WakeAt <= timeoutAt))
        {
            await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.TimedOut, null, S.WaitTimeoutError ?? "timed out"));
        }
        else if (S.Status == WorkStatus.Running && S.WakeAt is { } wakeAt && now >= wakeAt)
        {
            await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Succeeded, null, null));
        }
        else if (S.Status == WorkStatus.Running && WaitDue() is { } due)
        {
            await ArmWakeAsync(due);
        }
        else if (S.Status.IsFinal() || (S.WaitSignal is null && S.WakeAt is null && S.NextAttemptAt is null))
        {
            await DisarmReminderAsync(); // nothing left to wake for (a late tick)
        }
    }

    private DateTimeOffset? WaitDue() => (S.WakeAt, S.WaitTimeoutAt) switch
    {
        ({ } wake, { } timeout) => wake < timeout ? wake : timeout,
        ({ } wake, null) => wake,
        (null, { } timeout) => timeout,
        _ => null,
    };

    private async Task DisarmReminderAsync()
    {
        if (!S.WakeReminder)
        {
            return;
        }

        if (await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        S.WakeReminder = false;
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

        if (drain.IsDraining && (!plugins.TryGet(step.Uses, out var mounted) || !mounted.RunsInline))
        {
            // This silo is shutting down: the attempt starts elsewhere.
            S.Status = WorkStatus.Queued;
            S.NextAttemptAt = now + HandOverDelay;
            await ArmWakeAsync(S.NextAttemptAt.Value);
            await state.WriteAsync(this, logger);
            DeactivateOnIdle();
            return;
        }

        await DisarmReminderAsync();
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

        // The attempt is not written before it runs: a step costs two writes, its end and its task's next
        // dispatch. If its silo dies meanwhile, the task's re-send (ExecuteStep.Resent) reaches a grain with no
        // record of the step, which counts the lost attempt (see ExecuteAsync).
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
            var signalTimeout = wait.Timeout is { } signalLimit ? now + signalLimit : (DateTimeOffset?)null;
            await BeginWaitAsync(wait.Signal, null, signalTimeout, $"no signal '{wait.Signal}' arrived within {Duration.Format(wait.Timeout ?? TimeSpan.Zero)}");
            return;
        }

        if (plugin is WaitPlugin && WaitPlugin.WakeOf(input, now) is { } wakeAt)
        {
            var limitAt = timeout is { } attemptLimit ? now + attemptLimit : (DateTimeOffset?)null;
            await BeginWaitAsync(null, wakeAt, limitAt < wakeAt ? limitAt : null, timedOutMessage);
            return;
        }

        var (context, log) = Context(input, currentSecrets);
        if (plugin.RunsInline)
        {
            var inlineResult = await RunPluginAsync(plugin, context, S.Attempts, timedOutMessage, currentSecrets, CancellationToken.None);
            log.Flush();
            await AttemptEndedAsync(inlineResult);
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
        var activation = _activation;
        var attempt = S.Attempts;
        var token = _attempt.Token;
        var key = this.GetPrimaryKeyString();
        var tracked = drain.Track(_attempt);
        _ = Task.Run(async () =>
        {
            using var _ = tracked; // until the outcome is delivered: a drain waits for it
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

            log.Flush();
            await DeliverAsync(self, result with { Activation = activation });
        });
    }

    // A `wait` (for a signal, a duration or an instant) is kept in the step's state, not in a running plugin,
    // so the step can be deactivated while it waits: the signal (delivered by the run), the wake timer or, for a
    // long wait, the wake reminder activates it again.
    private async Task BeginWaitAsync(string? signal, DateTimeOffset? wakeAt, DateTimeOffset? timeoutAt, string timeoutError)
    {
        S.WaitSignal = signal;
        S.WakeAt = wakeAt;
        S.WaitTimeoutAt = timeoutAt;
        S.WaitTimeoutError = timeoutError;
        if (WaitDue() is { } due)
        {
            await ArmWakeAsync(due);
        }

        await state.WriteAsync(this, logger);
        AskForSignal();
    }

    private async Task ResumeWaitAsync()
    {
        if (WaitDue() is { } due)
        {
            await ArmWakeAsync(due);
        }

        AskForSignal();
    }

    private void AskForSignal()
    {
        if (S.WaitSignal is { } signal)
        {
            GrainFactory.GetGrain<IRunGrain>(S.Command!.RunId).AwaitSignalAsync(signal, this.GetPrimaryKeyString()).Ignore();
        }
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
            if (_cancelledAs is { } status)
            {
                return new AttemptResult(attempt, WorkStatus.Cancelled, null, $"{status.Name()}");
            }

            if (drain.CancelledRunning)
            {
                _interruptedAttempt = attempt; // read by AttemptEndedAsync, which this result reaches by a grain call
                return new AttemptResult(attempt, WorkStatus.Failed, null, "attempt interrupted: its silo shut down before it finished (Workflow:DrainTimeout)");
            }

            return new AttemptResult(attempt, WorkStatus.TimedOut, null, timedOutMessage);
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

    // The attempt's outcome reaches the grain even when its state cannot be written for a while (the database
    // restarting): delivered again with backoff for up to 10 minutes; the grain applies it once.
    private static async Task DeliverAsync(IStepGrain self, AttemptResult result)
    {
        var giveUpAt = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await self.AttemptEndedAsync(result);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < giveUpAt)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private (StepContext Context, StepLog Log) Context(JsonNode? input, IReadOnlyDictionary<string, string> currentSecrets)
    {
        var command = S.Command!;
        var key = this.GetPrimaryKeyString();
        var attempt = S.Attempts;
        var run = GrainFactory.GetGrain<IRunGrain>(command.RunId);
        var log = new StepLog(
            (line, number) => Publish(events, time, key, command, attempt, RunEventKind.StepLog, SecretStore.Redact(line, currentSecrets), number),
            options.Value.StepLogMaxBytes,
            options.Value.StepLogTailLines);
        var context = new StepContext
        {
            Input = input,
            RunId = command.RunId,
            Playbook = command.Playbook,
            Task = command.TaskId,
            Index = command.Index,
            Step = command.StepId,
            RunAttempt = command.RunAttempt,
            Attempt = attempt,
            IdempotencyKey = key,
            Logger = logger,
            Time = time,
            Redact = text => SecretStore.Redact(text, currentSecrets),
            Log = log.Write,
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
        return (context, log);
    }

    // The attempt is over: nothing keeps the grain active for it or waits on its behalf any more.
    private void StopWaiting()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
        _wake?.Dispose();
        _wake = null;
        S.WaitSignal = null;
        S.WaitTimeoutAt = null;
        S.WaitTimeoutError = null;
        S.WakeAt = null;
    }

    private async Task EndAsync(WorkStatus status, string? outputJson, string? error)
    {
        StopWaiting();
        await DisarmReminderAsync();
        S.Status = status;
        S.OutputJson = outputJson;
        S.Error = error;
        S.EndedAt = time.GetUtcNow();
        S.NextAttemptAt = null;
        await state.WriteAsync(this, logger);
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
            GrainFactory.GetGrain<ITaskGrain>(GrainKeys.Task(GrainKeys.Execution(command.RunId, command.RunAttempt), command.TaskId)).StepEndedAsync(Outcome()).Ignore();
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
