using System.CommandLine;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf retry RUN [--task T] [-p name=value]... [--latest] [--wait] [--json]</c>: run an ended run again.</summary>
public static class RetryCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var task = new Option<string?>("--task") { Description = "Run only this task and everything downstream of it again (also after a success)." };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "Change a param as name=value (repeatable); the others keep the run's values. Text is coerced to the param's type.",
            AllowMultipleArgumentsPerToken = false,
        };
        var latest = new Option<bool>("--latest") { Description = "Run the playbook's current version instead of the version the run pinned." };
        var wait = new Option<bool>("--wait") { Description = "Wait for the new attempt to end, showing its events and then its summary (exit codes as owf run)." };
        var json = new Option<bool>("--json") { Description = "Print {run, applied, attempt, message}; with --wait, only the final snapshot." };
        var cluster = ClusterOption.Create();
        var command = new Command("retry", $"""
            Run a failed, cancelled or timed-out run again as its next attempt: the same run id, run.attempt + 1;
            tasks that succeeded keep their outputs and do not run again, the others do. With --task, that task
            and its downstream run again. The run keeps its pinned playbook version unless --latest.
            Exit codes: 0 the attempt started (with --wait: it succeeded), 1 the retry did not apply (the run
            has not ended, already succeeded, has no such task, or the params are wrong: the message says
            which; with --wait: the attempt failed, was cancelled or timed out), 2 bad arguments or no cluster,
            3 the cluster could not be reached, 4 no such run.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf retry 01a2063cfb17dcc55d6c755d40 --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf retry 01a2063cfb17dcc55d6c755d40 --task load -p run_date=2024-05-02 --wait
              owf retry 01a2063cfb17dcc55d6c755d40 --latest --json
            """)
        {
            run,
            task,
            parameters,
            latest,
            wait,
            json,
            cluster,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!ParamArguments.TryParse(result.GetValue(parameters) ?? [], out var values, out var problems))
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"owf retry: {problem}");
                }

                return OwfCommand.Invalid;
            }

            var request = new RetryRun(result.GetValue(task), values.Count > 0 ? values.ToJsonString() : null, result.GetValue(latest));
            return await RetryAsync(result.GetValue(run)!, request, result.GetValue(wait), result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), output, error, cancellationToken);
        });
        return command;
    }

    private static Task<int> RetryAsync(string runId, RetryRun request, bool wait, bool json, string? cluster, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ClusterCommand.RunAsync("retry", cluster, error, async connection =>
        {
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is null)
            {
                return OwfCommand.NotFound;
            }

            // Subscribed before the retry, so the new attempt's first events are seen.
            await using var watch = wait && !json ? await connection.Client.WatchAsync(runId) : null;
            var retried = await connection.Client.RetryAsync(runId, request);
            if (!retried.Started || !wait)
            {
                var answer = json ? new JsonObject { ["run"] = runId, ["attempt"] = retried.Attempt } : null;
                return await ClusterCommand.AnswerAsync(retried.Outcome, retried.Message, answer, output, error);
            }

            if (!json)
            {
                await output.WriteLineAsync(retried.Message);
            }

            return await RunFollower.FollowAsync(connection, runId, watch, json, output, error, cancellationToken);
        }, cancellationToken);
}
