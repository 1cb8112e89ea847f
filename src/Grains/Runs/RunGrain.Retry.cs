using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Playbooks.Syntax;
namespace Orleans.Workflow.Runs;

// Retrying an ended run: which tasks run again, with which params and version, as a new attempt.
public sealed partial class RunGrain
{
    private async Task<RetryRunResult> RetryOnceAsync(RetryRun request)
    {
        RetryRunResult No(string message, ControlOutcome outcome = ControlOutcome.NotApplicable) => new(outcome, S.Attempt, message);
        if (S.Request is null)
        {
            return No($"run {RunId} does not exist", ControlOutcome.NotFound);
        }

        switch (RunMachine.RetryRefusal(S.Life))
        {
            case "not ended":
                return No($"run {RunId} is {S.Status.Name()}; only a run that has ended can be retried (cancel it first)");
            case "announcing":
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
}
