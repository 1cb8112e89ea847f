using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Runs;

/// <summary>
/// One run: pins a playbook version, settles params, and after every change asks the planner which tasks
/// are ready or skipped. Writes its state before it sends a task anything; polls its tasks as a backstop
/// for lost reports; ends with outputs and, on failure, the root cause.
/// </summary>
[GrainType("owf.run")]
public sealed partial class RunGrain(
    [PersistentState("run", WorkflowStorage.Name)] IPersistentState<RunGrainState> state,
    PlaybookCache playbooks,
    RunEventPublisher events,
    IActiveRunIndex activeRuns,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<RunGrain> logger) : Grain, IRunGrain
{
    private readonly List<TaskCompletionSource> _waiters = [];
    private IGrainTimer? _poll;
    private IGrainTimer? _deadline;
    private IGrainTimer? _announce;
    private IGrainTimer? _upstreamTimer;
    private bool _recheckUpstream = true;
    private RunGrainState S => state.State;

    private string RunId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Request is not null && S.Life.Phase != RunPhase.Ended)
        {
            // Activated again (after a deactivation, or on another silo after a crash): check the tasks soon.
            StartTimers(firstPoll: TimeSpan.FromSeconds(1));
        }

        return Task.CompletedTask;
    }

    public Task WakeAsync() => Task.CompletedTask; // activation is the point: OnActivateAsync wakes the run

    public Task<WorkStatus?> GetStatusAsync() => Task.FromResult(S.Request is null ? (WorkStatus?)null : S.Status);

    public async Task<StartRunResult> StartAsync(StartRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await StartOnceAsync(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await ForgetUnsavedAsync();
            throw;
        }
    }

    public async Task<RetryRunResult> RetryAsync(RetryRun request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await RetryOnceAsync(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await ForgetUnsavedAsync();
            throw;
        }
    }

    // A start or retry that failed half-way (the admission grain or the index unreachable) must not leave a run that
    // exists only in this activation's memory: the next start would find it and do nothing. The activation is
    // dropped and the stored state read back, so a repeat of the call starts from what is stored.
    private async Task ForgetUnsavedAsync()
    {
        DeactivateOnIdle();
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            state.State = new RunGrainState(); // unreadable now: the deactivation drops it anyway
        }
    }

    private async Task<StartRunResult> StartOnceAsync(StartRunRequest request)
    {
        if (S.Request is not null)
        {
            return new StartRunResult(RunId, false, true, []);
        }

        if (!GrainKeys.IsValidRunId(RunId))
        {
            return Refused($"run id '{RunId}' is invalid: use letters, digits, '.', '_' or '-', at most 200 characters");
        }

        var source = await GrainFactory.GetGrain<IPlaybookGrain>(request.Playbook).GetSourceAsync(request.Version);
        if (source is null)
        {
            return Refused(request.Version is null
                ? $"playbook '{request.Playbook}' is not registered"
                : $"playbook '{request.Playbook}' has no version {request.Version}");
        }

        if (!source.Enabled)
        {
            return Refused($"playbook '{request.Playbook}' is disabled, so it starts no runs (enable it: owf playbooks enable {request.Playbook})");
        }

        var playbook = await playbooks.GetAsync(source.Name, source.Version);
        var now = time.GetUtcNow();
        var run = RunObject(request, playbook, now);
        Dictionary<string, JsonNode?> given;
        try
        {
            given = (JsonNode.Parse(request.ParamsJson) as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            return Refused($"params are not a JSON object: {ex.Message}");
        }

        if (request.Trigger.Kind == TriggerKind.Event && ScopeData.ParseOrNull(request.Trigger.EventJson) is JsonObject payload)
        {
            // An event's object payload supplies the params it names (other keys are only in run.trigger.event).
            foreach (var param in playbook.Params.Where(p => payload.ContainsKey(p.Name) && !given.ContainsKey(p.Name)))
            {
                given[param.Name] = payload[param.Name]?.DeepClone();
            }
        }

        var resolved = ParamResolver.Resolve(playbook, given, run);
        if (!resolved.IsValid)
        {
            return new StartRunResult(RunId, false, false, [.. resolved.Errors.Select(e => e.Message)]);
        }

        S.Request = request;
        S.Playbook = playbook.Name;
        S.Version = playbook.Version;
        S.Owner = playbook.Owner;
        S.ParamsJson = resolved.Values.ToJsonString();
        S.RunJson = run.ToJsonString();
        S.StartedAt = now;
        var timeout = request.Timeout ?? playbook.Timeout;
        S.Deadline = timeout is { } limit ? now + limit : null;
        Publish(RunEventKind.RunStarted, null, $"{playbook.Name} {ContentHash.Short(playbook.Version)} ({request.Trigger.Kind.Name()})",
            new JsonObject { ["playbook"] = playbook.Name, ["version"] = playbook.Version, ["trigger"] = RunTrigger.Of(request.Trigger).ToJson(), ["logical_date"] = run["logical_date"]?.DeepClone() }.ToJsonString());
        if (!await StartLifeAsync(playbook, request.Trigger))
        {
            return new StartRunResult(RunId, true, false, []); // skipped by overlap: ended already
        }

        // Indexed before its state is first written: a cluster that loses this silo finds the run again.
        await activeRuns.AddAsync(RunId, CancellationToken.None);
        await AdvanceAsync(playbook);
        if (!S.Status.IsFinal())
        {
            StartTimers();
        }

        return new StartRunResult(RunId, true, false, []);
    }

    public async Task<RunSnapshot?> GetSnapshotAsync()
    {
        if (S.Request is null)
        {
            return null;
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        var tasks = new List<TaskSnapshot>();
        foreach (var spec in playbook.Tasks)
        {
            var record = S.Tasks.GetValueOrDefault(spec.Id);
            if (record is { Dispatched: true })
            {
                tasks.Add(await TaskGrainOf(spec.Id, record.RunAttempt).GetSnapshotAsync());
                continue;
            }

            var status = record?.Status ?? WorkStatus.Pending;
            var steps = spec.Steps.Select(s => new StepSnapshot(s.Id, status.IsFinal() ? (status == WorkStatus.Skipped ? WorkStatus.Skipped : status) : WorkStatus.Pending, 0, null, null, null, null, null)).ToList();
            tasks.Add(new TaskSnapshot(spec.Id, status, record?.Reason, null, spec.IsForeach ? [] : steps, spec.IsForeach ? [] : null, null, record?.EndedAt, record?.Error));
        }

        return new RunSnapshot(RunId, S.Playbook, S.Version, S.Status, S.Owner, S.OutputsJson, S.Error, tasks, S.StartedAt, S.EndedAt, S.Attempt, S.ParamsJson,
            RunTrigger.Of(S.Request.Trigger), ScopeData.ParseOrNull(S.RunJson)?["logical_date"]?.GetValue<string>());
    }

    public async Task<WorkStatus?> WaitForEndAsync(TimeSpan timeout)
    {
        if (S.Request is null)
        {
            return null;
        }

        if (!S.Status.IsFinal())
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add(waiter);
            try
            {
                await waiter.Task.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                _waiters.Remove(waiter);
            }
        }

        return S.Status;
    }

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

    public async Task AwaitSignalAsync(string name, string stepKey)
    {
        if (S.Request is null || S.Status.IsFinal())
        {
            return;
        }

        if (S.PendingSignals.Remove(name, out var payload))
        {
            await state.WriteAsync(this, logger);
            if (await GrainFactory.GetGrain<IStepGrain>(stepKey).SignalAsync(name, payload))
            {
                return;
            }

            S.PendingSignals[name] = payload; // The step no longer waits: keep the signal for the next one.
        }

        if (!S.SignalWaiters.TryGetValue(name, out var waiting))
        {
            S.SignalWaiters[name] = waiting = [];
        }

        if (!waiting.Contains(stepKey))
        {
            waiting.Add(stepKey);
        }

        await state.WriteAsync(this, logger);
    }

    public async Task<ControlResult> SignalAsync(string name, string payloadJson)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        if (S.Status.IsFinal())
        {
            return ControlResult.No($"run {RunId} already {S.Status.Name()}; nothing waits for signal '{name}'");
        }

        if (S.SignalWaiters.Remove(name, out var steps))
        {
            var delivered = new List<string>();
            foreach (var key in steps)
            {
                if (await GrainFactory.GetGrain<IStepGrain>(key).SignalAsync(name, payloadJson))
                {
                    delivered.Add(key);
                }
            }

            if (delivered.Count > 0)
            {
                await state.WriteAsync(this, logger);
                return ControlResult.Done($"signal '{name}' delivered to {string.Join(", ", delivered)}");
            }
        }

        S.PendingSignals[name] = payloadJson;
        await state.WriteAsync(this, logger);
        return ControlResult.Done($"signal '{name}' kept for run {RunId}: delivered when a step waits for it");
    }

    public async Task<ControlResult> CancelAsync(string reason)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        if (S.Status.IsFinal())
        {
            return ControlResult.No($"run {RunId} already {S.Status.Name()}");
        }

        await StopAsync(StopCause.Cancelled, reason);
        return ControlResult.Done($"run {RunId} cancelled");
    }

    private async Task<RetryRunResult> RetryOnceAsync(RetryRun request)
    {
        RetryRunResult No(string message, ControlOutcome outcome = ControlOutcome.NotApplicable) => new(outcome, S.Attempt, message);
        if (S.Request is null)
        {
            return No($"run {RunId} does not exist", ControlOutcome.NotFound);
        }

        if (!S.Status.IsFinal())
        {
            return No($"run {RunId} is {S.Status.Name()}; only a run that has ended can be retried (cancel it first)");
        }

        if (S.Life.Phase == RunPhase.Ending)
        {
            return No($"run {RunId} has ended and is still telling the cluster (its followers, its concurrency slot); try again in a few seconds");
        }

        if (S.Status == WorkStatus.Succeeded && request.Task is null)
        {
            return No($"run {RunId} already succeeded; there is nothing to retry (name a task to run it and its downstream again)");
        }

        var version = S.Version;
        if (request.LatestVersion)
        {
            var current = await GrainFactory.GetGrain<IPlaybookGrain>(S.Playbook).GetSourceAsync(null);
            if (current is null)
            {
                return No($"playbook '{S.Playbook}' is no longer registered");
            }

            version = current.Version;
        }

        var playbook = await playbooks.GetAsync(S.Playbook, version);
        HashSet<string> again;
        if (request.Task is { } only)
        {
            if (playbook.FindTask(only) is null)
            {
                return No($"run {RunId} has no task '{only}' (tasks: {string.Join(", ", playbook.Tasks.Select(t => t.Id))})", ControlOutcome.Invalid);
            }

            again = [only, .. playbook.Tasks.Where(t => t.Id != only && TaskGraph.Ancestors(playbook, t.Id).Contains(only)).Select(t => t.Id)];
        }
        else
        {
            again = [.. playbook.Tasks.Where(t => !S.Tasks.TryGetValue(t.Id, out var r) || r.Status != WorkStatus.Succeeded).Select(t => t.Id)];
        }

        var paramsJson = S.ParamsJson;
        if (request.ParamsJson is { } changed)
        {
            JsonObject given;
            try
            {
                given = JsonNode.Parse(S.ParamsJson) as JsonObject ?? [];
                foreach (var (name, value) in JsonNode.Parse(changed) as JsonObject ?? [])
                {
                    given[name] = value?.DeepClone();
                }
            }
            catch (JsonException ex)
            {
                return No($"params are not a JSON object: {ex.Message}", ControlOutcome.Invalid);
            }

            var run = JsonNode.Parse(S.RunJson) as JsonObject ?? [];
            var resolved = ParamResolver.Resolve(playbook, given.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal), run);
            if (!resolved.IsValid)
            {
                return No(string.Join("; ", resolved.Errors.Select(e => e.Message)), ControlOutcome.Invalid);
            }

            paramsJson = resolved.Values.ToJsonString();
        }

        var pinned = S.Version;
        S.Attempt++;
        S.Version = version;
        S.ParamsJson = paramsJson;
        if (JsonNode.Parse(S.RunJson) is JsonObject runObject)
        {
            runObject["attempt"] = S.Attempt;
            S.RunJson = runObject.ToJsonString();
        }

        foreach (var id in S.Tasks.Keys.Where(id => again.Contains(id) || playbook.FindTask(id) is null).ToList())
        {
            S.Tasks.Remove(id);
        }

        S.Error = null;
        S.OutputsJson = null;
        S.EndedAt = null;
        S.SignalWaiters.Clear();
        var timeout = S.Request.Timeout ?? playbook.Timeout;
        S.Deadline = timeout is { } limit ? time.GetUtcNow() + limit : null;
        _deadline?.Dispose();
        _deadline = null;
        var what = request.Task is { } task ? $"task '{task}' and its downstream" : $"{again.Count} task(s) that did not succeed";
        var newVersion = version != pinned ? $", version {ContentHash.Short(version)}" : string.Empty;
        Publish(RunEventKind.RunRetried, null, $"attempt {S.Attempt}: {what}{newVersion}");
        await StartLifeAsync(playbook, TriggerInfo.Manual);

        await activeRuns.AddAsync(RunId, CancellationToken.None);
        await AdvanceAsync(playbook);
        if (!S.Status.IsFinal())
        {
            StartTimers();
        }

        return new RetryRunResult(ControlOutcome.Applied, S.Attempt, $"run {RunId} attempt {S.Attempt} started: {what} run again{newVersion}");
    }


    public async Task<ControlResult> PauseAsync(string reason)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        var pause = RunMachine.Pause(S.Life);
        if (pause.Refused)
        {
            return ControlResult.No(pause.Refusal switch
            {
                "already paused" => $"run {RunId} is already paused",
                "stopping" => $"run {RunId} is stopping ({S.Life.StopReason}); there is nothing to pause",
                _ => $"run {RunId} already {S.Status.Name()}; there is nothing to pause",
            });
        }

        Apply(pause.Life);
        await state.WriteAsync(this, logger);
        Publish(RunEventKind.RunPaused, null, reason);
        await TellTasksAsync(pause: true);
        return ControlResult.Done($"run {RunId} paused: nothing new starts; running steps finish");
    }

    public async Task<ControlResult> ResumeAsync()
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        var resume = RunMachine.Resume(S.Life);
        if (resume.Refused)
        {
            return ControlResult.No(resume.Refusal == "ended"
                ? $"run {RunId} already {S.Status.Name()}; there is nothing to resume"
                : $"run {RunId} is not paused");
        }

        Apply(resume.Life);
        Publish(RunEventKind.RunResumed, null, null);
        await AdvanceAsync(await playbooks.GetAsync(S.Playbook, S.Version));
        await TellTasksAsync(pause: false);
        return ControlResult.Done($"run {RunId} resumed");
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
                SendFailed(logger, RunId, id, ex.Message);
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
                    record.Reason = decision.Reason!.Value.Name();
                    record.Error = decision.Detail;
                    record.EndedAt = time.GetUtcNow();
                    Publish(RunEventKind.TaskSkipped, decision.Task, $"{record.Reason}: {decision.Detail}");
                }
                else if (await UpstreamWaitAsync(playbook.FindTask(decision.Task)!, record) is { } waiting)
                {
                    if (record.Reason != waiting)
                    {
                        record.Reason = waiting;
                        Publish(RunEventKind.TaskWaiting, decision.Task, waiting);
                    }
                }
                else
                {
                    record.Reason = null;
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
            SendFailed(logger, RunId, taskId, ex.Message);
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
                    SendFailed(logger, RunId, id, ex.Message);
                }
            }

            record.Status = WorkStatus.Cancelled;
            record.Reason = "cancelled";
            record.Error = reason;
            record.EndedAt = time.GetUtcNow();
        }

        var playbook = await playbooks.GetAsync(S.Playbook, S.Version);
        foreach (var task in playbook.Tasks.Where(t => !S.Tasks.ContainsKey(t.Id)))
        {
            var record = Get(task.Id);
            record.Status = WorkStatus.Cancelled;
            record.Reason = "cancelled";
            record.Error = reason;
            record.EndedAt = time.GetUtcNow();
        }

        if (stop.Has(RunEffects.Complete))
        {
            await CompleteAsync(playbook);
        }
    }

    private async Task CompleteAsync(Playbook playbook)
    {
        var status = RunMachine.Outcome(S.Life, S.Tasks.Values.Any(t => t.Status is WorkStatus.Failed or WorkStatus.TimedOut or WorkStatus.Cancelled)) switch
        {
            RunEnd.TimedOut => WorkStatus.TimedOut,
            RunEnd.Cancelled => WorkStatus.Cancelled,
            RunEnd.Failed => WorkStatus.Failed,
            _ => WorkStatus.Succeeded,
        };

        S.Error = RootCause(playbook, status);
        if (status == WorkStatus.Succeeded && !playbook.Outputs.IsEmpty)
        {
            try
            {
                var scope = ScopeData.ToScope(TaskScope());
                var outputs = new JsonObject();
                foreach (var output in playbook.Outputs)
                {
                    outputs[output.Name] = output.Value.Render(ExpressionEngine.Shared, scope);
                }

                S.OutputsJson = outputs.ToJsonString();
            }
            catch (ExpressionException ex)
            {
                status = WorkStatus.Failed;
                S.Error = new RunError($"run outputs failed: {ex.Message}", null, null, null);
            }
        }

        S.Status = status;
        S.EndedAt = time.GetUtcNow();

        // Announced before the final state is written: a crash in between leaves the run unfinished in storage and
        // indexed, so it completes, and announces, again (each announcement is idempotent).
        S.Life = RunMachine.Ended(S.Life, await AnnounceEndAsync(playbook));
        await state.WriteAsync(this, logger);
        _poll?.Dispose();
        _poll = null;
        _deadline?.Dispose();
        _upstreamTimer?.Dispose();
        _upstreamTimer = null;
        if (S.Life.Phase == RunPhase.Ended)
        {
            await LeaveIndexAsync();
        }
        else
        {
            RetryAnnounceSoon(); // stays indexed until announced, so a recovery finds it too
        }

        Publish(RunEventKinds.Ended(WorkLevel.Run, status), null, S.Error?.Message);
        Ended(logger, RunId, S.Playbook, status);

        foreach (var waiter in _waiters)
        {
            waiter.TrySetResult();
        }

        _waiters.Clear();
    }

    private RunError? RootCause(Playbook playbook, WorkStatus status)
    {
        if (status == WorkStatus.Succeeded)
        {
            return null;
        }

        var first = S.Tasks
            .Where(t => t.Value.Status is WorkStatus.Failed or WorkStatus.TimedOut && t.Value.Reason != "cancelled")
            .OrderBy(t => t.Value.EndedAt)
            .Select(t => (Id: t.Key, Record: t.Value))
            .FirstOrDefault();
        if (first.Record is null)
        {
            return new RunError(S.Life.StopReason ?? $"run {status.Name()}", null, null, null);
        }

        var where = first.Record.FailedStep is { } step
            ? $" at step '{step}'{(first.Record.FailedIndex is { } index ? $" (item {index})" : string.Empty)}"
            : string.Empty;
        var owner = playbook.Owner is { } team ? $" (owner: {team})" : string.Empty;
        return new RunError(
            $"task '{first.Id}' {first.Record.Status.Name()}{where}: {first.Record.Error ?? "no error message"}{owner}",
            first.Id,
            first.Record.FailedStep,
            first.Record.FailedIndex);
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

    private JsonObject RunObject(StartRunRequest request, Playbook playbook, DateTimeOffset now)
    {
        var logical = request.Trigger.ScheduledAt ?? now;
        return new JsonObject
        {
            ["id"] = RunId,
            ["playbook"] = playbook.Name,
            ["version"] = playbook.Version,
            ["attempt"] = 1,
            ["started_at"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["logical_date"] = request.Trigger.LogicalDate ?? logical.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["owner"] = playbook.Owner,
            ["trigger"] = new JsonObject
            {
                ["kind"] = request.Trigger.Kind.Name(),
                ["scheduled_at"] = request.Trigger.ScheduledAt?.ToString("O", CultureInfo.InvariantCulture),
                ["event"] = ScopeData.ParseOrNull(request.Trigger.EventJson),
                ["name"] = request.Trigger.Name,
                ["event_id"] = request.Trigger.EventId,
            },
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

    // The life's phase decides the status while the run is not over; stopping keeps the status it had.
    private void Apply(RunLife life)
    {
        S.Life = life;
        S.Status = life.Phase switch
        {
            RunPhase.Admitting => WorkStatus.Pending,
            RunPhase.Running => WorkStatus.Running,
            RunPhase.Paused => WorkStatus.Paused,
            _ => S.Status,
        };
    }

    private RunTaskRecord Get(string taskId)
    {
        if (!S.Tasks.TryGetValue(taskId, out var record))
        {
            S.Tasks[taskId] = record = new RunTaskRecord();
        }

        return record;
    }

    private ITaskGrain TaskGrainOf(string taskId, int attempt) => GrainFactory.GetGrain<ITaskGrain>(GrainKeys.Task(GrainKeys.Execution(RunId, attempt), taskId));

    private StartRunResult Refused(string error) => new(RunId, false, false, [error]);

    private void Publish(RunEventKind kind, string? task, string? message, string? dataJson = null) =>
        events.Publish(new RunEvent($"{GrainKeys.Execution(RunId, S.Attempt)}#{task}#{kind}", RunId, kind, time.GetUtcNow(), task, Message: message, Owner: S.Owner, DataJson: dataJson));

    private static TaskState ToTaskState(WorkStatus status) => status switch
    {
        WorkStatus.Succeeded => TaskState.Succeeded,
        WorkStatus.Failed => TaskState.Failed,
        WorkStatus.Skipped => TaskState.Skipped,
        WorkStatus.Cancelled => TaskState.Cancelled,
        WorkStatus.TimedOut => TaskState.TimedOut,
        WorkStatus.Queued => TaskState.Queued,
        WorkStatus.Running => TaskState.Running,
        _ => TaskState.Pending,
    };
}
