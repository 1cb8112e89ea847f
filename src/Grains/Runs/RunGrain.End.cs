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

// How a run ends: its status from the machine, its outputs, its root cause, and the announcement to the cluster.
public sealed partial class RunGrain
{
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
            .Where(t => t.Value.Status is WorkStatus.Failed or WorkStatus.TimedOut && t.Value.Reason != WorkReason.Cancelled)
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
}
