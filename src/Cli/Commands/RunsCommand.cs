using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Events;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf runs [--playbook P] [--status S] [--since T] [--limit N] [--json]</c>: runs, newest first.</summary>
public static class RunsCommand
{
    private static readonly WorkStatus[] Listable =
        [WorkStatus.Pending, WorkStatus.Running, WorkStatus.Paused, WorkStatus.Succeeded, WorkStatus.Failed, WorkStatus.Cancelled, WorkStatus.TimedOut, WorkStatus.Skipped];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var playbook = new Option<string?>("--playbook") { Description = "Only runs of this playbook." };
        var status = new Option<string?>("--status") { Description = "Only runs in this status: pending (waiting for a concurrency slot), running, paused, succeeded, failed, cancelled, timed_out or skipped (a scheduled run skipped by overlap)." };
        var since = new Option<string?>("--since") { Description = "Only runs started since then: an ISO 8601 instant (2026-11-23T08:00:00Z) or a duration back from now (90m, 2d)." };
        var limit = new Option<int>("--limit") { Description = "At most this many runs (default 50, at most 10,000).", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {id, playbook, version, status, owner, attempt, started_at, ended_at, trigger: {kind, scheduled_at, event, name, after}, logical_date}." };
        var cluster = ClusterOption.Create();
        var command = new Command("runs", $"""
            List runs, newest first. The list comes from the run history, so a run shows up, and its status
            changes, a moment after the event.
            Exit codes: 0 listed (also when none match), 2 bad arguments or no cluster, 3 the cluster could not be reached.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf runs --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf runs --playbook etl-countries --status failed --since 1d --json
            """)
        {
            playbook,
            status,
            since,
            limit,
            json,
            cluster,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            WorkStatus? wanted = null;
            if (result.GetValue(status) is { } statusText)
            {
                if (Listable.FirstOrDefault(s => s.Name() == statusText) is var match && match.Name() != statusText)
                {
                    await error.WriteLineAsync($"owf: --status '{statusText}' is not one of {string.Join(", ", Listable.Select(s => s.Name()))}");
                    return OwfCommand.Invalid;
                }

                wanted = match;
            }

            DateTimeOffset? from = null;
            if (result.GetValue(since) is { } sinceText)
            {
                if (Duration.TryParse(sinceText, out var back))
                {
                    from = DateTimeOffset.UtcNow - back;
                }
                else if (DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    from = instant;
                }
                else
                {
                    await error.WriteLineAsync($"owf: --since '{sinceText}' is neither an ISO 8601 instant nor a duration such as 90m or 2d");
                    return OwfCommand.Invalid;
                }
            }

            var count = result.GetValue(limit);
            if (count is < 1 or > 10_000)
            {
                await error.WriteLineAsync($"owf: --limit {count} must be between 1 and 10000");
                return OwfCommand.Invalid;
            }

            var query = new RunQuery(result.GetValue(playbook), wanted, from, count);
            return await ClusterCommand.RunAsync("runs", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
            {
                var runs = await connection.Client.ListRunsAsync(query);
                if (result.GetValue(json))
                {
                    await output.WriteLineAsync(new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
                    {
                        ["id"] = r.RunId,
                        ["playbook"] = r.Playbook,
                        ["version"] = r.Version,
                        ["status"] = r.Status.Name(),
                        ["owner"] = r.Owner,
                        ["attempt"] = r.Attempt,
                        ["started_at"] = r.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                        ["ended_at"] = r.EndedAt?.ToString("O", CultureInfo.InvariantCulture),
                        ["trigger"] = r.Trigger?.ToJson(),
                        ["logical_date"] = r.LogicalDate,
                    })]).ToJsonString(CliJson.Indented));
                }
                else if (runs.Count == 0)
                {
                    await output.WriteLineAsync("no runs match");
                }
                else
                {
                    await Table.WriteAsync(
                        output,
                        ["RUN", "PLAYBOOK", "STATUS", "ATTEMPT", "STARTED", "ENDED", "OWNER"],
                        runs.Select(r => (IReadOnlyList<string>)[
                            r.RunId,
                            r.Playbook,
                            r.Status.Name(),
                            r.Attempt.ToString(CultureInfo.InvariantCulture),
                            r.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                            r.EndedAt?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? string.Empty,
                            r.Owner ?? string.Empty,
                        ]));
                }

                return OwfCommand.Ok;
            }, cancellationToken);
        });
        return command;
    }
}
