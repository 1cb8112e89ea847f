using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Steps;

namespace Orleans.Workflow.Tasks;

// A task's instances (one, or one per foreach item): starting them within max_parallel, moving them on step by
// step (running inline steps here), their outputs, and the task's outcome from theirs.
public sealed partial class TaskGrain
{
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
}
