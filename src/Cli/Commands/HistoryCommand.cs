using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf history RUN [--json]</c>: every stored event of a run, oldest first.</summary>
public static class HistoryCommand
{
    /// <summary>How many events one history read asks for.</summary>
    internal const int Page = 1000;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {position, id, kind, timestamp, task, index, step, attempt, message, data}." };
        var cluster = ClusterOption.Create();
        var command = new Command("history", $"""
            Show a run's stored event history, oldest first: how it started, every task and step state change,
            every attempt with its error, retries of the run, pauses, and the step log lines. Events are stored a
            moment after they happen, so the newest may not be there yet.
            Exit codes: 0 shown, 2 no cluster, 3 the cluster could not be reached, 4 no such run.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf history 01a2063cfb17dcc55d6c755d40 --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf history 01a2063cfb17dcc55d6c755d40 --json | jq '.[] | select(.kind == "step_failed")'
            """)
        {
            run,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("history", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var runId = result.GetValue(run)!;
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is null)
            {
                return OwfCommand.NotFound;
            }

            var events = await ReadAllAsync(connection.Client, runId, 0, cancellationToken);
            if (result.GetValue(json))
            {
                await output.WriteLineAsync(new JsonArray([.. events.Select(e => (JsonNode)EventJson.ToJson(e))]).ToJsonString(CliJson.Indented));
            }
            else if (events.Count == 0)
            {
                await output.WriteLineAsync($"no events stored for run {runId} yet");
            }
            else
            {
                await Table.WriteAsync(
                    output,
                    ["POSITION", "TIME", "EVENT", "WHERE", "ATTEMPT", "MESSAGE"],
                    events.Select(e => (IReadOnlyList<string>)[
                        e.Position.ToString(CultureInfo.InvariantCulture),
                        e.Event.Timestamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                        EventJson.Kind(e.Event.Kind),
                        EventJson.Where(e.Event),
                        e.Event.Attempt?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                        e.Event.Message ?? string.Empty,
                    ]));
            }

            return OwfCommand.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>Every stored event after <paramref name="after"/>, paging through the history.</summary>
    internal static async Task<List<StoredRunEvent>> ReadAllAsync(WorkflowClient client, string runId, long after, CancellationToken cancellationToken)
    {
        var events = new List<StoredRunEvent>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await client.GetHistoryAsync(runId, after, Page);
            events.AddRange(page);
            if (page.Count < Page)
            {
                return events;
            }

            after = page[^1].Position;
        }
    }
}
