using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Triggers;
namespace Orleans.Workflow.Runs;

// What users see of a run (its snapshot), and the run object its expressions read (run.*).
public sealed partial class RunGrain
{
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
            tasks.Add(new TaskSnapshot(spec.Id, status, record?.Reason?.Name() ?? record?.Waiting, null, spec.IsForeach ? [] : steps, spec.IsForeach ? [] : null, null, record?.EndedAt, record?.Error));
        }

        return new RunSnapshot(RunId, S.Playbook, S.Version, S.Status, S.Owner, S.OutputsJson, S.Error, tasks, S.StartedAt, S.EndedAt, S.Attempt, S.ParamsJson,
            RunTrigger.Of(S.Request.Trigger), ScopeData.ParseOrNull(S.RunJson)?["logical_date"]?.GetValue<string>());
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
}
