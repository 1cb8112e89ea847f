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
/// Instances and their steps: TaskGrain.Instances.cs; sending steps and the backstop poll: TaskGrain.Steps.cs.
/// </summary>
[GrainType("owf.task")]
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
                S.Reason = WorkReason.Condition;
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
            return new TaskSnapshot(id, S.Status, S.Reason?.Name(), null, [], null, null, null, null);
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
            S.Reason?.Name(),
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

    private async Task FinishAsync(WorkStatus status, string? outputsJson, string? error)
    {
        S.Status = status;
        S.OutputsJson = status == WorkStatus.Succeeded ? outputsJson : null; // a task that did not succeed has null outputs
        S.Error = error;
        S.EndedAt = time.GetUtcNow();
        await state.WriteAsync(this, logger);
        _poll?.Dispose();
        _poll = null;
        Publish(RunEventKinds.Ended(WorkLevel.Task, status), error ?? S.Reason?.Name());
        ReportUp();
    }

    private void ReportUp() =>
        GrainFactory.GetGrain<IRunGrain>(S.Command!.RunId).TaskEndedAsync(Ended()).Ignore();

    private TaskEnded Ended() => new(S.Command!.TaskId, S.Status, S.OutputsJson, S.Reason, S.Error, S.FailedStep, S.FailedIndex, S.Command.RunAttempt);

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
