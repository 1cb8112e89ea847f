using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf schedules [--playbook P]</c> and <c>owf schedules trigger P [--schedule N]</c>: a cluster's schedules.</summary>
public static class SchedulesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var playbook = new Option<string?>("--playbook") { Description = "Only this playbook's schedules." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {playbook, index, cron, timezone, catchup, overlap, enabled, next_tick, last_tick, last_run, fired, skipped, last_error}." };
        var cluster = ClusterOption.Create();
        var command = new Command("schedules", $"""
            List schedules (each on.schedule entry of each playbook's current version): its cron and time zone,
            the next tick, the last tick it settled and the run that tick started, how many ticks it fired (each
            has a run; under overlap: skip that run may have ended skipped at once) and how many it skipped (missed while the schedule was not active: its silo down until another took it
            over, the cluster down, the playbook disabled; and not caught up by its catchup).
            Exit codes: 0 listed (also when there are none), 2 bad arguments or no cluster, 3 the cluster could not
            be reached, 4 no such playbook.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf schedules --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf schedules --playbook covid-daily --json
              owf schedules trigger covid-daily
            """)
        {
            playbook,
            json,
            cluster,
            Trigger(output, error),
        };
        command.SetAction((result, cancellationToken) =>
            ClusterCommand.RunAsync("schedules", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
            {
                var name = result.GetValue(playbook);
                if (name is not null && await connection.Client.GetPlaybookAsync(name) is null)
                {
                    await error.WriteLineAsync($"owf: no playbook '{name}' in {connection.Describe()}; owf playbooks list shows the registered ones");
                    return OwfCommand.NotFound;
                }

                var schedules = await connection.Client.ListSchedulesAsync(name);
                if (result.GetValue(json))
                {
                    await output.WriteLineAsync(new JsonArray([.. schedules.Select(s => (JsonNode)new JsonObject
                    {
                        ["playbook"] = s.Playbook,
                        ["index"] = s.Index,
                        ["cron"] = s.Cron,
                        ["timezone"] = s.TimeZone,
                        ["catchup"] = s.Catchup,
                        ["overlap"] = s.Overlap,
                        ["enabled"] = s.Enabled,
                        ["next_tick"] = ClusterCommand.Iso(s.NextTick),
                        ["last_tick"] = ClusterCommand.Iso(s.LastTick),
                        ["last_run"] = s.LastRunId,
                        ["fired"] = s.Fired,
                        ["skipped"] = s.Skipped,
                        ["last_error"] = s.LastError,
                    })]).ToJsonString(CliJson.Indented));
                }
                else if (schedules.Count == 0)
                {
                    await output.WriteLineAsync(name is null ? "no schedules" : $"playbook '{name}' has no schedules");
                }
                else
                {
                    await Table.WriteAsync(
                        output,
                        ["PLAYBOOK", "#", "CRON", "TIMEZONE", "NEXT", "LAST", "LAST RUN", "FIRED", "SKIPPED", "ENABLED"],
                        schedules.Select(s => (IReadOnlyList<string>)[
                            s.Playbook,
                            s.Index.ToString(CultureInfo.InvariantCulture),
                            s.Cron,
                            s.TimeZone,
                            s.NextTick is { } next ? ClusterCommand.Local(next) : "-",
                            s.LastTick is { } last ? ClusterCommand.Local(last) : "-",
                            s.LastRunId ?? "-",
                            s.Fired.ToString(CultureInfo.InvariantCulture),
                            s.Skipped.ToString(CultureInfo.InvariantCulture),
                            s.Enabled ? "yes" : "no",
                        ]));
                    foreach (var failing in schedules.Where(s => s.LastError is not null))
                    {
                        await output.WriteLineAsync($"{failing.Playbook} #{failing.Index}: {failing.LastError}");
                    }
                }

                return OwfCommand.Ok;
            }, cancellationToken));
        return command;
    }

    private static Command Trigger(TextWriter output, TextWriter error)
    {
        var playbook = new Argument<string>("PLAYBOOK") { Description = "The playbook whose schedule fires." };
        var index = new Option<int>("--schedule") { Description = "Which on.schedule entry, from 0 (default 0).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print {playbook, schedule, run}." };
        var cluster = ClusterOption.Create();
        var command = new Command("trigger", $"""
            Fire a schedule now: start the run of a tick whose time is now (to the second), as the schedule would,
            with its params and its overlap rule (skip, queue, allow). The run's trigger.scheduled_at is that tick
            and its id ends in -manual, so it never takes a scheduled tick's run; triggering twice within one second
            finds the same run.
            Exit codes: 0 the run started (or existed), 1 it was refused (the playbook is disabled, ...), 2 bad
            arguments or no cluster, 3 the cluster could not be reached, 4 no such playbook or schedule.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf schedules trigger covid-daily
              owf schedules trigger covid-daily --schedule 1 --json
            """)
        {
            playbook,
            index,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
            ClusterCommand.RunAsync("schedules trigger", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
            {
                var name = result.GetValue(playbook)!;
                var entry = result.GetValue(index);
                var schedules = await connection.Client.ListSchedulesAsync(name);
                if (!schedules.Any(s => s.Index == entry))
                {
                    var known = await connection.Client.GetPlaybookAsync(name) is null
                        ? $"no playbook '{name}' in {connection.Describe()}"
                        : schedules.Count == 0 ? $"playbook '{name}' has no schedule" : $"playbook '{name}' has no schedule {entry} (it has {string.Join(", ", schedules.Select(s => s.Index))})";
                    await error.WriteLineAsync($"owf: {known}");
                    return OwfCommand.NotFound;
                }

                string runId;
                try
                {
                    runId = await connection.Client.TriggerScheduleAsync(name, entry);
                }
                catch (RunNotStartedException ex)
                {
                    await error.WriteLineAsync($"owf: {name} schedule {entry} did not start a run: {string.Join("; ", ex.Errors)}");
                    return OwfCommand.Failed;
                }

                if (result.GetValue(json))
                {
                    await output.WriteLineAsync(new JsonObject { ["playbook"] = name, ["schedule"] = entry, ["run"] = runId }.ToJsonString(CliJson.Indented));
                }
                else
                {
                    await output.WriteLineAsync($"run {runId} started by {name} schedule {entry} (owf watch {runId})");
                }

                return OwfCommand.Ok;
            }, cancellationToken));
        return command;
    }
}
