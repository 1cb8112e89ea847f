using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Steps;

// What wakes a step: a retry's delay, a suspension's wake-up or timeout, a signal (delivered by the run).
public sealed partial class StepGrain
{
    private const string WakeReminder = "wake";

    private IGrainTimer? _retryTimer;
    private IGrainTimer? _wake;

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == WakeReminder ? WakeAsync() : Task.CompletedTask;

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
    /// Wakes the step at <paramref name="due"/> (a retry's next attempt, a suspension's end or its timeout): a timer
    /// while the grain is active; for a long wait also a reminder, and then the timer does not keep the grain
    /// active, so an idle waiting step costs no activation. The caller writes the state (it says a reminder exists).
    /// </summary>
    private async Task ArmWakeAsync(DateTimeOffset due)
    {
        var delay = due - time.GetUtcNow();
        delay = delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
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
        else if (S.Status == WorkStatus.Running && S.Suspension is { } suspension)
        {
            if (suspension.TimedOutAt(now))
            {
                await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.TimedOut, null, suspension.TimeoutError ?? "timed out"));
            }
            else if (suspension.AwakeAt(now))
            {
                await AttemptEndedAsync(new AttemptResult(S.Attempts, WorkStatus.Succeeded, null, null));
            }
            else if (suspension.Due is { } due)
            {
                await ArmWakeAsync(due);
            }
        }
        else if (S.Status.IsFinal() || (S.Suspension is null && S.NextAttemptAt is null))
        {
            await DisarmReminderAsync(); // nothing left to wake for (a late tick)
        }
    }

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

    // A suspended attempt is kept in the step's state, not in a running plugin, so the step can be deactivated
    // while it waits: the signal (delivered by the run), the wake timer or, for a long wait, the wake reminder
    // activates it again.
    private async Task SuspendAsync(StepSuspension suspension)
    {
        S.Suspension = suspension;
        if (suspension.Due is { } due)
        {
            await ArmWakeAsync(due);
        }

        await state.WriteAsync(this, logger);
        AskForSignal();
    }

    private async Task ResumeSuspensionAsync()
    {
        if (S.Suspension?.Due is { } due)
        {
            await ArmWakeAsync(due);
        }

        AskForSignal();
    }

    // Only the run keeps signals: it answers at once with one that came before, or when one comes.
    private void AskForSignal()
    {
        if (S.Suspension?.Signal is { } signal)
        {
            GrainFactory.GetGrain<IRunGrain>(S.Command!.RunId).AwaitSignalAsync(signal, this.GetPrimaryKeyString()).Ignore();
        }
    }

    // The attempt is over: nothing keeps the grain active for it or waits on its behalf any more.
    private void StopWaiting()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
        _wake?.Dispose();
        _wake = null;
        S.Suspension = null;
    }
}
