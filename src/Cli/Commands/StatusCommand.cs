using System.CommandLine;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf status RUN [--json] [--cluster CONNECTION_STRING]</c>: a run's snapshot.</summary>
public static class StatusCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id (owf run --detach prints it)." };
        var json = new Option<bool>("--json") { Description = "Print the snapshot as JSON, the same shape as owf run --json." };
        var cluster = ClusterOption.Create();
        var command = new Command("status", $"""
            Show a run: its status, tasks and steps, outputs and error.
            Exit codes: 0 shown, 2 no cluster given, 3 the cluster could not be reached, 4 no such run.
            The embedded default keeps runs only while its process lives, so this command needs --cluster
            (or ${OwfConnection.ClusterVariable}).

            Examples:
              owf status 20261123-0215-4f2a9c --cluster "Host=db;Username=owf;Password=...;Database=owf"
              OWF_CLUSTER="Host=db;..." owf status 20261123-0215-4f2a9c --json
            """)
        {
            run,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
            ShowAsync(result.GetValue(run)!, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), output, error, cancellationToken));
        return command;
    }

    private static Task<int> ShowAsync(string runId, bool json, string? cluster, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ClusterCommand.RunAsync("status", cluster, error, async connection =>
        {
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is not { } snapshot)
            {
                return OwfCommand.NotFound;
            }

            if (json)
            {
                await output.WriteLineAsync(RunSnapshotJson.ToJson(snapshot).ToJsonString(CliJson.Indented));
            }
            else
            {
                await ProgressPrinter.PrintSummaryAsync(output, snapshot, withTree: true);
            }

            return OwfCommand.Ok;
        }, cancellationToken);
}
