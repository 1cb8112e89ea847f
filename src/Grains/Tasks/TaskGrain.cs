using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Steps;

namespace Orleans.Workflow.Tasks;

/// <summary>
/// One task of a run: evaluates <c>if</c> and <c>foreach</c>, runs each instance's steps in order (at most
/// <c>max_parallel</c> instances at once), computes outputs and reports to the run. Sends down (to steps) only
/// after its state is written; reports up one-way; polls its running steps as a backstop for lost reports.
/// </summary>
public sealed partial class TaskGrain(
    [PersistentState("task", WorkflowStorage.Name)] IPersistentState<TaskGrainState> state,
    PlaybookCache playbooks,
    PluginRegistry plugins,
    SecretStore secrets,
    RunEventPublisher events,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    private IGrainTimer? _poll;
    private InlineStep? _inline;

    // Instances whose current step's command is known not to have arrived (the send failed): their re-send is a
    // first delivery. Any other re-send says Resent (see ExecuteStep).
    private readonly HashSet<int> _unsent = [];
    private TaskGrainState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Command is not null)
        {
            if (S.Status.IsFinal())
            {
                ReportUp();
            }
            else
            {
                StartPolling(firstPoll: TimeSpan.FromSeconds(1)); // activated again: check the running steps soon
            }
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(StartTask command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (S.Command is not null)
        {
            if (S.Status.IsFinal())
            {
                ReportUp();
            }

            return;
        }

        S.Command = command;
        S.StartedAt = time.GetUtcNow();
        var task = await SpecAsync();
        var scope = ScopeData.ToScope(ScopeData.Parse(command.ScopeJson), secrets.Current());
        try
        {
            if (task.If is { } condition && !StepExecution.Truthy(condition.Evaluate(ExpressionEngine.Shared, scope)))
            {
                S.Reason = "condition";
                await FinishAsync(WorkStatus.Skipped, null, null);
                return;
            }

            if (task.Foreach is { } items)
            {
                var list = items.Render(ExpressionEngine.Shared, scope) as JsonArray;
                if (list is null)
                {
                    await FinishAsync(WorkStatus.Failed, null, "'foreach' did not give a list");
                    return;
                }

                S.IsForeach = true;
                S.Instances = [.. list.Select((item, i) => new InstanceState { Index = i, ItemJson = item?.ToJsonString() ?? "null" })];
            }
            else
            {
                S.Instances = [new InstanceState { Index = -1 }];
            }
        }
        catch (ExpressionException ex)
        {
            await FinishAsync(WorkStatus.Failed, null, SecretStore.Redact(ex.Message, secrets.Current()));
            return;
        }

        S.Status = WorkStatus.Running;
        Publish(RunEventKind.TaskStarted, S.IsForeach ? $"{S.Instances.Count} items" : null);
        if (S.Instances.Count == 0)
        {
            await FinishAsync(WorkStatus.Succeeded, "[]", null);
            return;
        }

        var toSend = StartInstances(task);
        StartPolling();
        await CommitAsync(toSend); // ends the task at once if every step ran inline
    }

    public async Task StepEndedAsync(StepEnded report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (S.Command is null || S.Status.IsFinal())
        {
            return;
        }

        var instance = S.Instances.FirstOrDefault(i => i.Index == report.Index);
        var task = await SpecAsync();
        _inline?.WithSecrets(secrets.Current); // secrets are read anew for each turn's inline steps
        if (instance is null || instance.Status != WorkStatus.Running || instance.Next >= task.Steps.Length
            || task.Steps[instance.Next].Id != report.Step || !report.Status.IsFinal())
        {
            return; // A duplicate or a stale report: already applied.
        }

        // A step that did not succeed has no output for later steps (continue_on_error goes on with null).
        var output = report.Status == WorkStatus.Succeeded ? report.OutputJson : null;
        instance.Steps.Add(new StepRecord(report.Step, report.Status, report.Attempts, output, report.Error, time.GetUtcNow()));
        var toSend = new List<(InstanceState, StepSpec)>();
        var goesOn = report.Status is WorkStatus.Succeeded or WorkStatus.Skipped
            || (report.ContinueOnError && report.Status is WorkStatus.Failed or WorkStatus.TimedOut);
        if (goesOn)
        {
            instance.Next++;
            Dispatch(task, instance, toSend);
        }
        else
        {
            instance.Status = report.Status;
            instance.Error = report.Error;
            S.FailedStep ??= report.Step;
            S.FailedIndex ??= S.IsForeach ? instance.Index : null;
            S.Error ??= report.Error;
        }

        if (instance.Status.IsFinal())
        {
            toSend.AddRange(StartInstances(task));
        }

        await CommitAsync(toSend);
    }

    public async Task<TaskSnapshot> GetSnapshotAsync()
    {
        var id = S.Command?.TaskId ?? GrainKeys.ParseTask(this.GetPrimaryKeyString()).TaskId;
        if (S.Command is null)
        {
            return new TaskSnapshot(id, S.Status, S.Reason, null, [], null, null, null, null);
        }

        var task = await SpecAsync();
        var instances = new List<InstanceSnapshot>();
        foreach (var instance in S.Instances)
        {
            instances.Add(new InstanceSnapshot(instance.Index, instance.ItemJson, instance.Status, instance.OutputsJson, await StepsAsync(task, instance)));
        }

        return new TaskSnapshot(
            id,
            S.Status,
            S.Reason,
            S.OutputsJson,
            S.IsForeach || instances.Count == 0 ? [] : instances[0].Steps,
            S.IsForeach ? instances : null,
            S.StartedAt,
            S.EndedAt,
            S.Error);
    }

    public Task<TaskEnded?> GetOutcomeAsync() => Task.FromResult(S.Status.IsFinal() && S.Command is not null ? Ended() : null);

    public async Task CancelAsync(WorkStatus status, string reason)
    {
        if (S.Status.IsFinal())
        {
            return;
        }

        if (S.Command is null)
        {
            S.Status = status;
            S.Error = reason;
            return;
        }

        var task = await SpecAsync();
        foreach (var instance in S.Instances.Where(i => !i.Status.IsFinal()))
        {
            if (instance.Status == WorkStatus.Running && instance.Next < task.Steps.Length && instance.DispatchedAt is not null)
            {
                await Step(instance, task.Steps[instance.Next]).CancelAsync(status, reason);
            }

            instance.Status = status;
            instance.Error = reason;
        }

        await FinishAsync(status, Outputs(), reason);
    }

    public async Task PauseAsync()
    {
        if (S.Paused || S.Status.IsFinal())
        {
            return;
        }

        S.Paused = true;
        if (S.Command is not null)
        {
            await state.WriteAsync(this, logger);
        }
    }

    public async Task ResumeAsync()
    {
        if (!S.Paused)
        {
            return;
        }

        S.Paused = false;
        if (S.Command is null || S.Status.IsFinal())
        {
            return;
        }

        var task = await SpecAsync();
        _inline?.WithSecrets(secrets.Current);
        var toSend = new List<(InstanceState, StepSpec)>();
        foreach (var instance in S.Instances.Where(i => i.Status == WorkStatus.Running && i.DispatchedAt is null))
        {
            Dispatch(task, instance, toSend);
        }

        toSend.AddRange(StartInstances(task));
        await CommitAsync(toSend);
    }

    private List<(InstanceState, StepSpec)> StartInstances(TaskSpec task)
    {
        if (S.Paused)
        {
            return []; // resumed later
        }

        var running = S.Instances.Count(i => i.Status == WorkStatus.Running);
        var limit = task.MaxParallel ?? int.MaxValue;
        var now = time.GetUtcNow();
        var started = new List<(InstanceState, StepSpec)>();
        foreach (var instance in S.Instances.Where(i => i.Status == WorkStatus.Pending))
        {
            if (running >= limit)
            {
                break;
            }

            instance.Status = WorkStatus.Running;

            // The task's timeout bounds each instance separately, from the moment it starts. The run's own
            // timeout is the run's to enforce (its timer cancels everything), so the two never race.
            instance.Deadline = task.Timeout is { } timeout ? now + timeout : null;
            Dispatch(task, instance, started);
            if (!instance.Status.IsFinal())
            {
                running++;
            }
        }

        return started;
    }

    /// <summary>
    /// Moves an instance on from its step <see cref="InstanceState.Next"/>: steps whose plugin runs inline are run
    /// here and recorded (see <see cref="InlineStep"/>); the first one that needs its grain is added to
    /// <paramref name="toSend"/>; past the last step the instance ends.
    /// </summary>
    private void Dispatch(TaskSpec task, InstanceState instance, List<(InstanceState, StepSpec)> toSend)
    {
        if (S.Paused && instance.Next < task.Steps.Length)
        {
            instance.DispatchedAt = null; // held: ResumeAsync sends it
            return;
        }

        _inline ??= new InlineStep(plugins, events, time, logger, options.Value.MaxOutputBytes).WithSecrets(secrets.Current);
        while (instance.Next < task.Steps.Length)
        {
            var step = task.Steps[instance.Next];
            var record = _inline.Applies(step)
                ? _inline.TryRun(Command(instance, step, scopeJson: string.Empty), step, () => StepScope(instance, step))
                : null;
            if (record is null)
            {
                instance.DispatchedAt = time.GetUtcNow();
                toSend.Add((instance, step));
                return;
            }

            instance.Steps.Add(record);
            instance.Next++;
        }

        EndInstance(task, instance);
    }

    private void EndInstance(TaskSpec task, InstanceState instance)
    {
        try
        {
            JsonNode? outputs;
            if (task.Outputs.IsEmpty)
            {
                outputs = ScopeData.ParseOrNull(instance.Steps.LastOrDefault()?.OutputJson);
            }
            else
            {
                var scope = ScopeData.ToScope(InstanceScope(instance));
                var result = new JsonObject();
                foreach (var output in task.Outputs)
                {
                    result[output.Name] = output.Value.Render(ExpressionEngine.Shared, scope);
                }

                outputs = result;
            }

            instance.OutputsJson = outputs?.ToJsonString();
            instance.Status = WorkStatus.Succeeded;
        }
        catch (ExpressionException ex)
        {
            instance.Status = WorkStatus.Failed;
            instance.Error = $"outputs failed: {ex.Message}";
            S.Error ??= instance.Error;
        }
    }

    private WorkStatus Outcome()
    {
        if (S.Instances.All(i => i.Status == WorkStatus.Succeeded))
        {
            return WorkStatus.Succeeded;
        }

        if (S.Instances.Any(i => i.Status == WorkStatus.Failed))
        {
            return WorkStatus.Failed;
        }

        return S.Instances.Any(i => i.Status == WorkStatus.TimedOut) ? WorkStatus.TimedOut : WorkStatus.Cancelled;
    }

    private string? Outputs()
    {
        if (!S.IsForeach)
        {
            return S.Instances.FirstOrDefault() is { Status: WorkStatus.Succeeded } only ? only.OutputsJson : null;
        }

        var list = new JsonArray();
        foreach (var instance in S.Instances.OrderBy(i => i.Index))
        {
            list.Add(instance.Status == WorkStatus.Succeeded ? ScopeData.ParseOrNull(instance.OutputsJson) : null);
        }

        return list.ToJsonString();
    }

    private async Task FinishAsync(WorkStatus status, string? outputsJson, string? error)
    {
        S.Status = status;
        S.OutputsJson = status == WorkStatus.Succeeded ? outputsJson : null; // a task that did not succeed has null outputs
        S.Error = error;
        S.EndedAt = time.GetUtcNow();
        await state.WriteAsync(this, logger);
        _poll?.Dispose();
        _poll = null;
        Publish(RunEventKinds.Ended(WorkLevel.Task, status), error ?? S.Reason);
        ReportUp();
    }

    private void ReportUp() =>
        GrainFactory.GetGrain<IRunGrain>(S.Command!.RunId).TaskEndedAsync(Ended()).Ignore();

    private TaskEnded Ended() => new(S.Command!.TaskId, S.Status, S.OutputsJson, S.Reason, S.Error, S.FailedStep, S.FailedIndex, S.Command.RunAttempt);

    // The end of a turn that moved instances on: the task ends if every instance has; else its state is written,
    // and only then are the steps it dispatched sent.
    private async Task CommitAsync(List<(InstanceState, StepSpec)> toSend)
    {
        if (S.Instances.All(i => i.Status.IsFinal()))
        {
            await FinishAsync(Outcome(), Outputs(), S.Error);
            return;
        }

        await state.WriteAsync(this, logger);
        await SendAsync(toSend);
    }

    private async Task SendAsync(List<(InstanceState Instance, StepSpec Step)> toSend)
    {
        foreach (var (instance, step) in toSend)
        {
            await SendOneAsync(instance, step);
        }
    }

    private async Task SendOneAsync(InstanceState instance, StepSpec step, bool resend = false)
    {
        try
        {
            var command = Command(instance, step, StepScope(instance, step).ToJsonString()) with { Resent = resend && !_unsent.Contains(instance.Index) };
            await Step(instance, step).ExecuteAsync(command);
            _unsent.Remove(instance.Index);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The poll re-sends it: the step ignores a command it already has.
            if (!resend)
            {
                _unsent.Add(instance.Index);
            }

            SendFailed(logger, this.GetPrimaryKeyString(), step.Id, ex.Message);
        }
    }

    private ExecuteStep Command(InstanceState instance, StepSpec step, string scopeJson)
    {
        var command = S.Command!;
        return new ExecuteStep(command.RunId, command.Playbook, command.Version, command.TaskId, instance.Index, step.Id, scopeJson, instance.Deadline, RunAttempt: command.RunAttempt);
    }

    // A step is sent only the steps' and tasks' outputs its expressions read.
    private JsonObject StepScope(InstanceState instance, StepSpec step) =>
        InstanceScope(instance, ScopeReads.IdsRead(step, "steps"), ScopeReads.IdsRead(step, "tasks"));

    private IStepGrain Step(InstanceState instance, StepSpec step) =>
        GrainFactory.GetGrain<IStepGrain>(GrainKeys.Step(GrainKeys.Execution(S.Command!.RunId, S.Command.RunAttempt), S.Command.TaskId, instance.Index, step.Id));

    /// <param name="instance">The instance whose steps' outputs are in scope.</param>
    /// <param name="stepsRead">Only these steps' outputs (a step is sent what it reads, so a long task's
    /// messages do not grow with every step); null for all.</param>
    /// <param name="tasksRead">Only these upstream tasks; null for all.</param>
    private JsonObject InstanceScope(InstanceState instance, IReadOnlySet<string>? stepsRead = null, IReadOnlySet<string>? tasksRead = null)
    {
        var data = ScopeData.Parse(S.Command!.ScopeJson);
        if (tasksRead is not null && data["tasks"] is JsonObject tasks)
        {
            foreach (var id in tasks.Select(t => t.Key).Where(id => !tasksRead.Contains(id)).ToList())
            {
                tasks.Remove(id);
            }
        }

        var steps = new JsonObject();
        foreach (var record in instance.Steps.Where(r => stepsRead is null || stepsRead.Contains(r.Id)))
        {
            steps[record.Id] = new JsonObject
            {
                ["output"] = ScopeData.ParseOrNull(record.OutputJson),
                ["status"] = record.Status.Name(),
            };
        }

        data["steps"] = steps;
        if (S.IsForeach)
        {
            data["item"] = ScopeData.ParseOrNull(instance.ItemJson);
            data["index"] = instance.Index;
        }

        return data;
    }

    private async Task<List<StepSnapshot>> StepsAsync(TaskSpec task, InstanceState instance)
    {
        var result = new List<StepSnapshot>();
        for (var i = 0; i < task.Steps.Length; i++)
        {
            var spec = task.Steps[i];
            var record = instance.Steps.FirstOrDefault(r => r.Id == spec.Id);
            if (record is { Inline: true })
            {
                result.Add(new StepSnapshot(spec.Id, record.Status, record.Attempts, record.OutputJson, record.Error, record.StartedAt, record.EndedAt, record.Reason));
            }
            else if (record is not null || i < instance.Next || (i == instance.Next && instance.DispatchedAt is not null))
            {
                result.Add(await Step(instance, spec).GetSnapshotAsync());
            }
            else
            {
                // Never sent: pending while the instance goes on; after its end, cancelled with it or skipped.
                var status = !instance.Status.IsFinal() ? WorkStatus.Pending : instance.Status == WorkStatus.Cancelled ? WorkStatus.Cancelled : WorkStatus.Skipped;
                result.Add(new StepSnapshot(spec.Id, status, 0, null, null, null, null, null));
            }
        }

        return result;
    }

    private void StartPolling(TimeSpan? firstPoll = null)
    {
        var interval = options.Value.ResendInterval;
        _poll ??= this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(firstPoll is { } first && first < interval ? first : interval, interval));
    }

    // The backstop for lost messages: re-send the current step's command (ignored if it arrived) and
    // fetch its outcome (applied once if its report was lost).
    private async Task PollAsync()
    {
        if (S.Command is null || S.Status.IsFinal())
        {
            return;
        }

        var task = await SpecAsync();
        var due = time.GetUtcNow() - options.Value.ResendInterval;
        foreach (var instance in S.Instances.Where(i => i.Status == WorkStatus.Running && i.DispatchedAt < due && i.Next < task.Steps.Length).ToList())
        {
            var step = task.Steps[instance.Next];
            await SendOneAsync(instance, step, resend: true);
            if (await Step(instance, step).GetOutcomeAsync() is { } outcome)
            {
                await StepEndedAsync(outcome);
            }
        }
    }

    private async Task<TaskSpec> SpecAsync()
    {
        var command = S.Command!;
        var playbook = await playbooks.GetAsync(command.Playbook, command.Version);
        return playbook.FindTask(command.TaskId) ?? throw new InvalidOperationException($"task '{command.TaskId}' is not in version {command.Version}");
    }

    private void Publish(RunEventKind kind, string? message)
    {
        var command = S.Command!;
        events.Publish(new RunEvent($"{this.GetPrimaryKeyString()}#{kind}", command.RunId, kind, time.GetUtcNow(), command.TaskId, Message: message));
    }
}
