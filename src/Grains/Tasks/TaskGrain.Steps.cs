using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Tasks;

// Sending steps to their grains (only after the task's state is written), the data each is sent, their
// snapshots, and the poll that re-sends a lost command and fetches a lost report.
public sealed partial class TaskGrain
{
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

            SendFailed(logger, this.GetPrimaryKeyString(), step.Id, ex);
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
                result.Add(new StepSnapshot(spec.Id, record.Status, record.Attempts, record.OutputJson, record.Error, record.StartedAt, record.EndedAt, record.Reason?.Name()));
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
}
