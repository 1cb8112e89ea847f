using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

/// <summary>
/// One step: evaluates its <c>if</c>, renders its input for each attempt, runs the plugin outside its turn,
/// retries under the step's policy, enforces the attempt timeout and the task/run deadline, keeps a suspended
/// attempt's wait in its state, and reports the outcome to its task (one-way; the task polls
/// <see cref="GetOutcomeAsync"/> as a backstop). It knows no plugin by type: what a plugin does is in
/// <see cref="StepExecution"/>'s result. Attempts: StepGrain.Attempt.cs; timers, reminders and waits: StepGrain.Wake.cs.
/// </summary>
[GrainType("owf.step")]
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
    private const int MaxInterruptions = 3;

    private CancellationTokenSource? _attempt;
    private int _interruptedAttempt;

    // Tells this activation's attempts from an earlier activation's (see AttemptEndedAsync).
    private readonly Guid _activation = Guid.NewGuid();
    private WorkStatus? _cancelledAs;

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
        else if (S.Status == WorkStatus.Running && S.Suspension is not null)
        {
            // A suspension outlives its activation: re-arm its wake-up and ask the run for its signal again (idempotent).
            await ResumeSuspensionAsync();
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

        var (_, _, step) = await StepExecution.SpecAsync(playbooks, command);
        S.ContinueOnError = step.ContinueOnError;
        bool run;
        try
        {
            run = StepExecution.ShouldRun(step, () => Scope(secrets.Current()));
        }
        catch (ExpressionException ex)
        {
            await EndAsync(WorkStatus.Failed, null, $"'if' failed: {SecretStore.Redact(ex.Message, secrets.Current())}");
            return;
        }

        if (!run)
        {
            S.Reason = WorkReason.Condition;
            await EndAsync(WorkStatus.Skipped, null, null);
            return;
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
        if (S.Status != WorkStatus.Running || S.Suspension?.Signal != name)
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
        if (result.Suspension is { } suspension)
        {
            await SuspendAsync(suspension);
            return;
        }

        if (result.Status == WorkStatus.Succeeded)
        {
            if (StepExecution.OutputTooLarge(result.OutputJson, options.Value.MaxOutputBytes) is { } tooLarge)
            {
                await EndAsync(WorkStatus.Failed, null, tooLarge);
                return;
            }

            await EndAsync(WorkStatus.Succeeded, result.OutputJson, null);
            return;
        }

        var (playbook, task, step) = await StepExecution.SpecAsync(playbooks, S.Command!);
        var policy = playbook.EffectiveRetry(task, step);
        var now = time.GetUtcNow();
        var next = now + policy.DelayBefore(S.Attempts + 1);
        if (_interruptedAttempt == result.Attempt && S.Interruptions < MaxInterruptions)
        {
            S.Interruptions++; // not the step's fault: it gets the attempt back
        }

        _interruptedAttempt = 0;
        var retryable = result.Status != WorkStatus.Cancelled
            && S.Attempts < policy.Attempts + S.Interruptions
            && (S.Command!.Deadline is not { } deadline || next < deadline);
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
        Publish(RunEventKinds.Ended(WorkLevel.Step, status), error ?? S.Reason?.Name());
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
            StepLogs.ReportFailed(logger, this.GetPrimaryKeyString(), ex);
        }
    }

    private StepEnded Outcome() =>
        new(S.Command!.Index, S.Command.StepId, S.Status, S.OutputJson, S.Error, S.Attempts, S.ContinueOnError);

    private StepSnapshot Snapshot() =>
        new(S.Command?.StepId ?? GrainKeys.ParseStep(this.GetPrimaryKeyString()).StepId, S.Status, S.Attempts, S.OutputJson, S.Error, S.StartedAt, S.EndedAt, S.Reason?.Name());

    private static string TaskTimeoutText(TaskSpec task) =>
        task.Timeout is { } limit ? $"the task's timeout of {Duration.Format(limit)}" : "the task's timeout";

    private ExpressionScope Scope(IReadOnlyDictionary<string, string> currentSecrets) =>
        ScopeData.ToScope(ScopeData.Parse(S.Command!.ScopeJson), currentSecrets);

    private void Publish(RunEventKind kind, string? message) =>
        StepExecution.Publish(events, time, this.GetPrimaryKeyString(), S.Command!, S.Attempts, kind, message);
}
