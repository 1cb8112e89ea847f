using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf events publish NAME [JSON] [--id ID]</c>: start the playbooks an event names.</summary>
public static class EventsCommand
{
    public static Command Create(TextWriter output, TextWriter error) => new("events", $"""
        Named events: publishing one starts every playbook whose on.events names it.
        {ClusterCommand.NeedsCluster}

        Examples:
          owf events publish countries.updated '{"count": 250}' --id upd-2026-11-23
        """)
    {
        Publish(output, error),
    };

    private static Command Publish(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The event's name (as playbooks write it under on.events)." };
        var payload = new Argument<string?>("JSON") { Description = "The payload, any JSON value: run.trigger.event in the runs it starts (default: null).", Arity = ArgumentArity.ZeroOrOne };
        var id = new Option<string?>("--id") { Description = "The event's id (letters, digits, '.', '_', '-'; at most 100): publishing the same id again starts nothing new. Default: a new id." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {playbook, run, started, existed, errors}." };
        var cluster = ClusterOption.Create();
        var command = new Command("publish", $$"""
            Publish an event: every enabled playbook whose on.events names it starts a run (id
            PLAYBOOK-ev-EVENTID) with the payload in run.trigger.event. Idempotent by --id.
            Exit codes: 0 published (also when no playbook listens: it says so), 1 a playbook that listens did not
            start (disabled, params that do not validate; the others did), 2 bad arguments (a payload that is not
            JSON, a bad id) or no cluster, 3 the cluster could not be reached.
            {{ClusterCommand.NeedsCluster}}

            Examples:
              owf events publish countries.updated
              owf events publish countries.updated '{"count": 250}' --id upd-2026-11-23 --json
            """)
        {
            name,
            payload,
            id,
            json,
            cluster,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var text = result.GetValue(payload) ?? "null";
            JsonNode? body;
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                await error.WriteLineAsync($"owf events publish: the payload is not valid JSON ({ex.Message}): {text}");
                await error.WriteLineAsync("Quote it for the shell: owf events publish NAME '{\"count\": 250}'.");
                return OwfCommand.Invalid;
            }

            var eventId = result.GetValue(id);
            if (eventId is not null && !TriggerKeys.IsValidEventId(eventId))
            {
                await error.WriteLineAsync($"owf events publish: --id '{eventId}' is invalid: use letters, digits, '.', '_' or '-', at most 100 characters");
                return OwfCommand.Invalid;
            }

            var eventName = result.GetValue(name)!;
            return await ClusterCommand.RunAsync("events publish", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
            {
                var runs = await connection.Client.PublishEventAsync(eventName, body, eventId);
                if (result.GetValue(json))
                {
                    await output.WriteLineAsync(new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
                    {
                        ["playbook"] = r.Playbook,
                        ["run"] = r.RunId,
                        ["started"] = r.Started,
                        ["existed"] = r.AlreadyExisted,
                        ["errors"] = new JsonArray([.. r.Errors.Select(e => (JsonNode?)e)]),
                    })]).ToJsonString(CliJson.Indented));
                }
                else if (runs.Count == 0)
                {
                    await output.WriteLineAsync($"event '{eventName}' published; no playbook listens to it (on.events)");
                }
                else
                {
                    foreach (var run in runs)
                    {
                        await (run.Started || run.AlreadyExisted ? output : error).WriteLineAsync(run.Started
                            ? $"{run.Playbook}: run {run.RunId} started"
                            : run.AlreadyExisted
                                ? $"{run.Playbook}: run {run.RunId} already exists (this event id was published before)"
                                : $"owf: {run.Playbook}: no run started: {string.Join("; ", run.Errors)}");
                    }
                }

                return runs.All(r => r.Started || r.AlreadyExisted) ? OwfCommand.Ok : OwfCommand.Failed;
            }, cancellationToken);
        });
        return command;
    }
}
