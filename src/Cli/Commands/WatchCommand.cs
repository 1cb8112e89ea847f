using System.CommandLine;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf watch RUN [--json]</c>: a run's events as they happen, until it ends; then its summary.</summary>
public static class WatchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var json = new Option<bool>("--json") { Description = "Print no event lines, only the final snapshot as JSON (as owf run --json)." };
        var cluster = ClusterOption.Create();
        var command = new Command("watch", $"""
            Follow a run on a cluster: one line per event from now on (a step's log lines included) until the
            run ends, then the task/step tree, the root cause of a failure and the outputs. A run that has
            already ended is summarized at once (owf history RUN shows what happened before).
            Interrupting owf watch (Ctrl-C) leaves the run going on.
            Exit codes (as owf run): 0 the run succeeded, 1 it failed, was cancelled or timed out (or owf was
            interrupted), 2 no cluster, 3 the cluster could not be reached, 4 no such run.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf watch 01a2063cfb17dcc55d6c755d40 --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf watch "$(owf run etl.yaml --detach)" --json
            """)
        {
            run,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("watch", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var runId = result.GetValue(run)!;
            var asJson = result.GetValue(json);

            // Subscribe before looking, so an end that comes in between is seen either way.
            await using var watch = asJson ? null : await connection.Client.WatchAsync(runId);
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is not { } snapshot)
            {
                return OwfCommand.NotFound;
            }

            if (snapshot.Status.IsFinal())
            {
                await RunFollower.PrintEndAsync(snapshot, asJson, output);
                return snapshot.Status == WorkStatus.Succeeded ? OwfCommand.Ok : OwfCommand.Failed;
            }

            if (!asJson)
            {
                await output.WriteLineAsync($"watching run {runId} ({snapshot.Playbook}, {snapshot.Status.Name()}, attempt {snapshot.Attempt}) in {connection.Describe()}");
            }

            return await RunFollower.FollowAsync(connection, runId, watch, asJson, output, error, cancellationToken);
        }, cancellationToken));
        return command;
    }
}
