using System.Text.Json.Nodes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Runs;

/// <summary>The run's part in what starts and holds runs: admission (concurrency, overlap), cross-playbook needs, and <c>on.after</c>.</summary>
public sealed partial class RunGrain
{
    /// <summary>True when runs of <paramref name="playbook"/> go through its admission grain.</summary>
    private static bool IsGated(Playbook playbook) =>
        playbook.Concurrency is not null || playbook.On.Schedules.Any(s => s.Overlap != OverlapPolicy.Allow);

    /// <summary>
    /// Starts (or restarts) the run's life: a gated run first asks its playbook's admission grain for a slot.
    /// False when it was skipped (a scheduled run under <c>overlap: skip</c>): it has ended <c>skipped</c> already.
    /// </summary>
    private async Task<bool> StartLifeAsync(Playbook playbook, TriggerInfo trigger)
    {
        var start = RunMachine.Start(IsGated(playbook));
        Apply(start.Life);
        return !start.Has(RunEffects.AskAdmission) || await AskAdmissionAsync(playbook, trigger, first: true);
    }

    /// <summary>
    /// Asks the playbook's admission grain for a slot and applies its answer. Admitted: go on. Waiting: the run
    /// stays pending until told. Skipped: the run ends <c>skipped</c> now and this answers false.
    /// </summary>
    private async Task<bool> AskAdmissionAsync(Playbook playbook, TriggerInfo trigger, bool first)
    {
        var overlap = first && trigger.Schedule is { } index && index < playbook.On.Schedules.Length
            ? playbook.On.Schedules[index].Overlap switch
            {
                OverlapPolicy.Skip => AdmissionOverlap.Skip,
                OverlapPolicy.Queue => AdmissionOverlap.Queue,
                _ => AdmissionOverlap.Allow,
            }
            : AdmissionOverlap.Allow;
        var admission = await GrainFactory.GetGrain<IAdmissionGrain>(playbook.Name).AdmitAsync(new AdmissionRequest(RunId, playbook.Concurrency, overlap));
        var answer = admission.Decision switch
        {
            AdmissionDecision.Skipped => AdmissionAnswer.Skipped,
            AdmissionDecision.Waiting => AdmissionAnswer.Waiting,
            _ => AdmissionAnswer.Admitted,
        };
        var answered = RunMachine.Answered(S.Life, answer, first);
        Apply(answered.Life);
        if (answer == AdmissionAnswer.Skipped)
        {
            S.Status = WorkStatus.Skipped;
            S.EndedAt = time.GetUtcNow();
            S.Error = new RunError(admission.Message, null, null, null);
            await state.WriteAsync(this, logger); // it never held a slot, and nothing follows a skipped run
            Publish(RunEventKind.RunSkipped, null, admission.Message);
            Ended(logger, RunId, S.Playbook, S.Status);
            return false;
        }

        if (answered.Has(RunEffects.Announce))
        {
            Publish(answer == AdmissionAnswer.Waiting ? RunEventKind.RunWaiting : RunEventKind.RunAdmitted, null, answer == AdmissionAnswer.Waiting ? admission.Message : null);
        }

        return true;
    }

    public async Task AdmittedAsync()
    {
        if (S.Request is null || S.Life.Admission != RunAdmission.Waiting || S.Life.IsOver)
        {
            return;
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        await AskAdmissionAsync(playbook, TriggerInfo.Manual, first: false);
        if (S.Life.Admission == RunAdmission.Holding)
        {
            await AdvanceAsync(playbook);
        }
    }

    public async Task UpstreamSucceededAsync(string task)
    {
        if (S.Request is null || S.Status.IsFinal() || !S.Tasks.TryGetValue(task, out var record) || record.Status != WorkStatus.Pending)
        {
            return;
        }

        await AdvanceAsync(await playbooks.GetAsync(S.Playbook, S.Version));
    }

    /// <summary>
    /// Null when every cross-playbook <c>needs</c> of the task has a success recent enough; otherwise why it waits
    /// (the first stale upstream), having asked that upstream to say when it next succeeds.
    /// </summary>
    private async Task<string?> UpstreamWaitAsync(TaskSpec task, RunTaskRecord record)
    {
        if (task.Upstream.IsEmpty || record.UpstreamMet)
        {
            return null;
        }

        if (await FirstStaleAsync(task) is not { } stale)
        {
            record.UpstreamMet = true;
            record.UpstreamDeadline = null;
            return null;
        }

        if (record.UpstreamDeadline is null)
        {
            record.UpstreamDeadline = time.GetUtcNow() + stale.Wait;
            ArmUpstreamTimer();
        }

        return $"waiting for upstream {stale.Playbook}/{stale.Task}: no success within {Duration.Format(stale.Within)} yet (waits up to {Duration.Format(stale.Wait)})";
    }

    private async Task<UpstreamNeed?> FirstStaleAsync(TaskSpec task)
    {
        foreach (var need in task.Upstream)
        {
            var freshness = await GrainFactory.GetGrain<IUpstreamGrain>(TriggerKeys.Upstream(need.Playbook, need.Task)).CheckAsync(new UpstreamCheck(RunId, task.Id, need.Within));
            if (!freshness.Fresh)
            {
                return need;
            }
        }

        return null;
    }

    // A task that waited its whole `wait` for a fresh upstream fails as stale (checked once more first).
    private async Task ExpireUpstreamWaitsAsync()
    {
        var now = time.GetUtcNow();
        var expired = S.Tasks.Where(t => t.Value is { Status: WorkStatus.Pending, UpstreamMet: false, UpstreamDeadline: { } deadline } && deadline <= now).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        foreach (var (id, record) in expired)
        {
            var task = playbook.FindTask(id)!;
            if (await FirstStaleAsync(task) is not { } stale)
            {
                continue; // fresh after all: the next plan starts it
            }

            foreach (var need in task.Upstream)
            {
                await GrainFactory.GetGrain<IUpstreamGrain>(TriggerKeys.Upstream(need.Playbook, need.Task)).ForgetAsync(RunId, id);
            }

            var upstreamOwner = await OwnerOfAsync(stale.Playbook);
            record.Status = WorkStatus.Failed;
            record.Reason = WorkReason.UpstreamStale;
            record.Error = $"upstream stale: {stale.Playbook}/{stale.Task}{OwnerNote(upstreamOwner)} had no success within {Duration.Format(stale.Within)} "
                + $"after waiting {Duration.Format(stale.Wait)} (waiting playbook {S.Playbook}{OwnerNote(S.Owner)})";
            record.EndedAt = now;
            Publish(RunEventKind.TaskFailed, id, record.Error, new JsonObject
            {
                ["reason"] = WorkReason.UpstreamStale.Name(),
                ["owner"] = S.Owner,
                ["upstream_playbook"] = stale.Playbook,
                ["upstream_task"] = stale.Task,
                ["upstream_owner"] = upstreamOwner,
            }.ToJsonString());
        }

        await AdvanceAsync(playbook);
    }

    private async Task<string?> OwnerOfAsync(string playbook)
    {
        try
        {
            var info = await GrainFactory.GetGrain<IPlaybookGrain>(playbook).GetInfoAsync();
            return info is null ? null : (await playbooks.GetAsync(playbook, info.Current)).Owner;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // Fails the waits that expire, at their deadline; kept alive meanwhile (a recovering silo wakes the run, which
    // arms it again), so an idle run still fails its stale task on time.
    private void ArmUpstreamTimer()
    {
        var next = S.Tasks.Values
            .Where(r => r is { Status: WorkStatus.Pending, UpstreamMet: false, UpstreamDeadline: not null })
            .Min(r => r.UpstreamDeadline);
        _upstreamTimer?.Dispose();
        _upstreamTimer = null;
        if (next is not { } due)
        {
            return;
        }

        var delay = due - time.GetUtcNow();
        _upstreamTimer = this.RegisterGrainTimer(
            async () =>
            {
                await ExpireUpstreamWaitsAsync();
                if (!S.Status.IsFinal())
                {
                    ArmUpstreamTimer();
                }
            },
            new GrainTimerCreationOptions(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    // An ended run that could not yet announce its end tries again every few seconds, kept alive until it has.
    private void RetryAnnounceSoon()
    {
        var period = options.Value.ResendInterval;
        _announce ??= this.RegisterGrainTimer(
            async () =>
            {
                if (S.Life.Phase == RunPhase.Ended || S.Request is null)
                {
                    _announce?.Dispose();
                    _announce = null;
                    return;
                }

                if (await AnnounceEndAsync(await playbooks.GetAsync(S.Playbook, S.Version)))
                {
                    S.Life = RunMachine.Ended(S.Life, announced: true);
                    await state.WriteAsync(this, logger);
                    _announce?.Dispose();
                    _announce = null;
                    await LeaveIndexAsync();
                }
            },
            new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private async Task LeaveIndexAsync()
    {
        try
        {
            await activeRuns.RemoveAsync(RunId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            IndexRemoveFailed(logger, RunId, ex); // harmless: a recovery wakes an ended run, which does nothing
        }
    }

    private static string OwnerNote(string? owner) => owner is null ? string.Empty : $" (owner: {owner})";

    /// <summary>
    /// Tells the rest of the cluster the run has ended: its admission slot goes to the next run, the upstream
    /// tasks it waited on forget it, and the playbooks that follow it (<c>on.after</c>) start. False when part of it
    /// could not be done (the poll tries again; every part is idempotent).
    /// </summary>
    private async Task<bool> AnnounceEndAsync(Playbook playbook)
    {
        try
        {
            await AnnounceAsync(playbook);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AnnounceFailed(logger, RunId, ex);
            return false;
        }
    }

    private async Task AnnounceAsync(Playbook playbook)
    {
        if (S.Life.Admission != RunAdmission.None)
        {
            await GrainFactory.GetGrain<IAdmissionGrain>(S.Playbook).ReleaseAsync(RunId);
        }

        foreach (var (id, record) in S.Tasks.Where(t => t.Value is { UpstreamDeadline: not null, UpstreamMet: false }))
        {
            foreach (var need in playbook.FindTask(id)?.Upstream ?? [])
            {
                await GrainFactory.GetGrain<IUpstreamGrain>(TriggerKeys.Upstream(need.Playbook, need.Task)).ForgetAsync(RunId, id);
            }
        }

        if (S.Status is WorkStatus.Succeeded or WorkStatus.Failed or WorkStatus.Cancelled or WorkStatus.TimedOut)
        {
            var message = new TopicMessage(
                S.Attempt > 1 ? $"{RunId}-a{S.Attempt}" : RunId,
                new JsonObject
                {
                    ["playbook"] = S.Playbook,
                    ["run"] = RunId,
                    ["attempt"] = S.Attempt,
                    ["status"] = S.Status.Name(),
                    ["outputs"] = ScopeData.ParseOrNull(S.OutputsJson),
                }.ToJsonString(),
                S.Status.Name());
            await GrainFactory.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.After(S.Playbook)).PublishAsync(message);
        }
    }
}
