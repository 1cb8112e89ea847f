using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Triggers;
namespace Orleans.Workflow.Runs;

// The run's tasks: what the planner starts, their reports, stopping them, and the timers and poll that back them up.
public sealed partial class RunGrain
{
    public async Task TaskEndedAsync(TaskEnded report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (S.Request is null || S.Status.IsFinal() || !report.Status.IsFinal()
            || !S.Tasks.TryGetValue(report.Task, out var record) || record.Status.IsFinal() || record.RunAttempt != report.RunAttempt)
        {
            return; // Unknown, duplicate or late: already applied.
        }

        Record(record, report);
        if (report.Status == WorkStatus.Succeeded)
        {
            GrainFactory.GetGrain<IUpstreamGrain>(TriggerKeys.Upstream(S.Playbook, report.Task)).SucceededAsync(RunId, record.EndedAt!.Value).Ignore();
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        if (report.Status is WorkStatus.Failed or WorkStatus.TimedOut && playbook.FailFast)
        {
            await StopAsync(StopCause.FailFast, $"fail_fast: task '{report.Task}' {report.Status.Name()}");
        }

        await AdvanceAsync(playbook);
    }

    // Pause or resume every task that has started and not ended (each is idempotent; the poll repeats a pause).
    private async Task TellTasksAsync(bool pause)
    {
        foreach (var (id, _) in S.Tasks.Where(t => t.Value.Dispatched && !t.Value.Status.IsFinal()).ToList())
        {
            try
            {
                var task = TaskGrainOf(id, S.Tasks[id].RunAttempt);
                await (pause ? task.PauseAsync() : task.ResumeAsync());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                SendFailed(logger, RunId, id, ex);
            }
        }
    }

    private async Task AdvanceAsync(Playbook playbook)
    {
        var toSend = new List<string>();
        if (S.Life.StartsTasks)
        {
            var planner = new RunPlanner(playbook);
            var states = S.Tasks.ToDictionary(t => t.Key, t => ToTaskState(t.Value.Status), StringComparer.Ordinal);
            foreach (var decision in planner.Plan(states))
            {
                var record = Get(decision.Task);
                if (decision.Kind == TaskDecisionKind.Skip)
                {
                    record.Status = WorkStatus.Skipped;
                    record.Reason = ReasonOf(decision.Reason!.Value);
                    record.Error = decision.Detail;
                    record.EndedAt = time.GetUtcNow();
                    Publish(RunEventKind.TaskSkipped, decision.Task, $"{record.Reason.Value.Name()}: {decision.Detail}");
                }
                else if (await UpstreamWaitAsync(playbook.FindTask(decision.Task)!, record) is { } waiting)
                {
                    if (record.Waiting != waiting)
                    {
                        record.Waiting = waiting;
                        Publish(RunEventKind.TaskWaiting, decision.Task, waiting);
                    }
                }
                else
                {
                    record.Waiting = null;
                    record.Status = WorkStatus.Queued;
                    record.Dispatched = true;
                    record.RunAttempt = S.Attempt;
                    record.DispatchedAt = time.GetUtcNow();
                    toSend.Add(decision.Task);
                    Publish(RunEventKind.TaskQueued, decision.Task, null);
                }
            }
        }

        if (playbook.Tasks.All(t => S.Tasks.TryGetValue(t.Id, out var r) && r.Status.IsFinal()))
        {
            await CompleteAsync(playbook);
            return;
        }

        await state.WriteAsync(this, logger);
        foreach (var task in toSend)
        {
            await SendStartAsync(task);
        }
    }

    private async Task SendStartAsync(string taskId)
    {
        try
        {
            await TaskGrainOf(taskId, S.Attempt).StartAsync(new StartTask(RunId, S.Playbook, S.Version, taskId, TaskScope().ToJsonString(), S.Attempt));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SendFailed(logger, RunId, taskId, ex);
        }
    }

    /// <summary>
    /// Stops the run for <paramref name="cause"/>: every task not ended is cancelled, whatever the run's status, and
    /// nothing new starts; a cancel or a timeout ends the run now (see <see cref="RunMachine.Stop"/>).
    /// </summary>
    private async Task StopAsync(StopCause cause, string reason)
    {
        var stop = RunMachine.Stop(S.Life, cause, reason);
        if (stop.Effects == RunEffects.None)
        {
            return;
        }

        Apply(stop.Life);

        // Written before anything is cancelled: a crash after the tasks heard it still ends the run this way.
        await state.WriteAsync(this, logger);
        foreach (var (id, record) in S.Tasks.Where(t => !t.Value.Status.IsFinal()).ToList())
        {
            if (record.Dispatched)
            {
                try
                {
                    await TaskGrainOf(id, record.RunAttempt).CancelAsync(WorkStatus.Cancelled, reason);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    SendFailed(logger, RunId, id, ex);
                }
            }

            record.Status = WorkStatus.Cancelled;
            record.Reason = WorkReason.Cancelled;
            record.Error = reason;
            record.EndedAt = time.GetUtcNow();
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        foreach (var task in playbook.Tasks.Where(t => !S.Tasks.ContainsKey(t.Id)))
        {
            var record = Get(task.Id);
            record.Status = WorkStatus.Cancelled;
            record.Reason = WorkReason.Cancelled;
            record.Error = reason;
            record.EndedAt = time.GetUtcNow();
        }

        if (stop.Has(RunEffects.Complete))
        {
            await CompleteAsync(playbook);
        }
    }

    private void Record(RunTaskRecord record, TaskEnded report)
    {
        record.Status = report.Status;
        record.Reason = report.Reason;
        record.OutputsJson = report.OutputsJson;
        record.Error = report.Error;
        record.FailedStep = report.FailedStep;
        record.FailedIndex = report.FailedIndex;
        record.EndedAt = time.GetUtcNow();
    }

    private JsonObject TaskScope()
    {
        var tasks = new JsonObject();
        foreach (var (id, record) in S.Tasks.Where(t => t.Value.Status.IsFinal()))
        {
            tasks[id] = new JsonObject
            {
                ["outputs"] = ScopeData.ParseOrNull(record.OutputsJson),
                ["status"] = record.Status.Name(),
            };
        }

        return new JsonObject
        {
            ["params"] = JsonNode.Parse(S.ParamsJson),
            ["run"] = JsonNode.Parse(S.RunJson),
            ["tasks"] = tasks,
        };
    }

    private void StartTimers(TimeSpan? firstPoll = null)
    {
        if (S.Status.IsFinal())
        {
            if (S.Life.Phase == RunPhase.Ending)
            {
                RetryAnnounceSoon();
            }

            return;
        }

        ArmUpstreamTimer();
        var interval = options.Value.ResendInterval;
        _poll ??= this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(firstPoll is { } first && first < interval ? first : interval, interval));
        if (S.Deadline is { } deadline && _deadline is null)
        {
            var due = deadline - time.GetUtcNow();
            _deadline = this.RegisterGrainTimer(
                async () =>
                {
                    if (!S.Status.IsFinal())
                    {
                        await StopAsync(StopCause.TimedOut, $"run timed out after {Duration.Format(deadline - S.StartedAt!.Value)}");
                    }
                },
                new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    // The backstop for lost messages: re-send StartTask (ignored if it arrived) and fetch outcomes.
    private async Task PollAsync()
    {
        if (S.Status.IsFinal())
        {
            return;
        }

        if (_recheckUpstream)
        {
            // A new activation may have missed an upstream's success notice: check the waiting tasks once.
            _recheckUpstream = false;
            if (S.Tasks.Values.Any(r => r is { Status: WorkStatus.Pending, UpstreamMet: false, UpstreamDeadline: not null }))
            {
                await AdvanceAsync(await playbooks.GetAsync(S.Playbook, S.Version));
            }
        }

        if (S.Life.Phase == RunPhase.Paused)
        {
            await TellTasksAsync(pause: true); // a task started by a late re-send learns it too
        }

        if (S.Life.Admission == RunAdmission.Waiting)
        {
            await AdmittedAsync(); // asks the admission grain again: a lost notice never strands a run
            return;
        }

        await ExpireUpstreamWaitsAsync();

        var due = time.GetUtcNow() - options.Value.ResendInterval;
        foreach (var (id, _) in S.Tasks.Where(t => t.Value is { Dispatched: true, Status: WorkStatus.Queued } r && r.DispatchedAt < due).ToList())
        {
            await SendStartAsync(id);
            if (await TaskGrainOf(id, S.Tasks[id].RunAttempt).GetOutcomeAsync() is { } outcome)
            {
                await TaskEndedAsync(outcome);
            }
        }
    }

    private static WorkReason ReasonOf(SkipReason reason) => reason switch
    {
        SkipReason.UpstreamFailed => WorkReason.UpstreamFailed,
        SkipReason.UpstreamSkipped => WorkReason.UpstreamSkipped,
        SkipReason.TriggerRule => WorkReason.TriggerRule,
        _ => WorkReason.Condition,
    };
}
