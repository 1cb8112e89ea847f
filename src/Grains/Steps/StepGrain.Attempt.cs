using System.Text.Json.Nodes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

// One attempt: its checks, its input, its plugin run outside the grain's turn, and the answer delivered back.
public sealed partial class StepGrain
{
    // A step that a draining silo will not start is handed over: a reminder wakes it this much later, elsewhere.
    private static readonly TimeSpan HandOverDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(1);

    // While a plugin runs outside the grain's turn nothing calls the grain, and Orleans would collect it as
    // idle, losing the attempt's cancellation: a keep-alive timer holds it active.
    private IGrainTimer? _keepAlive;

    private async Task StartAttemptAsync()
    {
        var command = S.Command!;
        var (playbook, task, step) = await StepExecution.SpecAsync(playbooks, command);
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

        var bounds = new AttemptBounds(now, timeout is { } attemptLimit ? now + attemptLimit : null, timedOutMessage);
        var key = this.GetPrimaryKeyString();
        var attempt = S.Attempts;
        var log = new StepLog(
            (line, number) => StepExecution.Publish(events, time, key, command, attempt, RunEventKind.StepLog, SecretStore.Redact(line, currentSecrets), number),
            options.Value.StepLogMaxBytes,
            options.Value.StepLogTailLines);
        var context = StepExecution.Context(command, key, attempt, input, currentSecrets, log.Write, logger, time);
        if (plugin.RunsInline)
        {
            var inlineResult = await StepExecution.RunAsync(plugin, context, bounds, currentSecrets, () => Cancelled(attempt), logger, CancellationToken.None);
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
        var token = _attempt.Token;
        var tracked = drain.Track(_attempt);
        _ = Task.Run(async () =>
        {
            using var _ = tracked; // until the outcome is delivered: a drain waits for it
            AttemptResult result;
            try
            {
                result = await StepExecution.RunAsync(plugin, context, bounds, currentSecrets, () => Cancelled(attempt), logger, token);
                log.Flush();
            }
            catch (Exception ex)
            {
                // Whatever happens, the grain hears how the attempt ended.
                StepLogs.PluginCrashed(logger, key, ex.GetType().Name, ex);
                result = new AttemptResult(attempt, WorkStatus.Failed, null, $"{plugin.Name} failed: {ex.GetType().Name}");
            }

            await DeliverAsync(self, result with { Activation = activation });
        });
    }

    // Why an attempt's token ended it, if not its timeout: the step was cancelled, or its silo shut down.
    private AttemptResult? Cancelled(int attempt)
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

        return null;
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
}
