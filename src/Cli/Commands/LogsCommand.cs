using System.CommandLine;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf logs RUN [--task T] [--step S] [--follow] [--json]</c>: the lines a run's steps wrote.</summary>
public static class LogsCommand
{
    /// <summary>How often <c>--follow</c> reads the history for new lines.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long <c>--follow</c> waits, once the run has ended, for its end to be stored before it stops anyway.</summary>
    private static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(10);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var task = new Option<string?>("--task") { Description = "Only this task's steps." };
        var step = new Option<string?>("--step") { Description = "Only steps with this id." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as the steps write them, until the run ends." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line: {timestamp, task, index, step, attempt, line}." };
        var cluster = ClusterOption.Create();
        var command = new Command("logs", $"""
            Print the lines a run's steps wrote (a shell step's stdout and stderr, a log step's message), from
            its stored history, oldest first: HH:mm:ss.fff step TASK[INDEX].STEP | line. Secrets are masked; a
            step that wrote more than its cap keeps its tail and says how much was dropped.
            With --follow, keeps printing new lines until the run has ended (Ctrl-C stops following).
            Exit codes: 0 printed (also when there were no lines, or following was interrupted), 2 the run has
            no such task or step, or no cluster, 3 the cluster could not be reached, 4 no such run.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf logs 01a2063cfb17dcc55d6c755d40 --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf logs 01a2063cfb17dcc55d6c755d40 --task load --step copy --follow
              owf logs 01a2063cfb17dcc55d6c755d40 --json | jq -r .line
            """)
        {
            run,
            task,
            step,
            follow,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("logs", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var runId = result.GetValue(run)!;
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is not { } snapshot)
            {
                return OwfCommand.NotFound;
            }

            var filter = new Filter(result.GetValue(task), result.GetValue(step));
            if (filter.Check(snapshot) is { } problem)
            {
                await error.WriteLineAsync($"owf: {problem}");
                return OwfCommand.Invalid;
            }

            var printer = new LinePrinter(output, result.GetValue(json), filter);
            if (!result.GetValue(follow))
            {
                await printer.PrintAsync(await HistoryCommand.ReadAllAsync(connection.Client, runId, 0, cancellationToken));
                return OwfCommand.Ok;
            }

            try
            {
                await FollowAsync(connection.Client, runId, printer, error, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: the user stopped following; the run goes on.
            }

            return OwfCommand.Ok;
        }, cancellationToken));
        return command;
    }

    // Reads on from the last position until the run has ended and its end is stored; then reads the whole history
    // once more for lines that were stored late with a lower position (another silo's batch), printing only new ones.
    private static async Task FollowAsync(WorkflowClient client, string runId, LinePrinter printer, TextWriter error, CancellationToken cancellationToken)
    {
        long after = 0;
        var ended = false;
        DateTimeOffset? finalSince = null;
        while (true)
        {
            var events = await HistoryCommand.ReadAllAsync(client, runId, after, cancellationToken);
            foreach (var stored in events)
            {
                after = Math.Max(after, stored.Position);
                ended = stored.Event.Kind switch
                {
                    RunEventKind.RunSucceeded or RunEventKind.RunFailed or RunEventKind.RunCancelled or RunEventKind.RunTimedOut or RunEventKind.RunSkipped => true,
                    RunEventKind.RunRetried => false,
                    _ => ended,
                };
            }

            await printer.PrintAsync(events);
            var final = (await client.GetSnapshotAsync(runId)).Status.IsFinal();
            finalSince = final ? finalSince ?? DateTimeOffset.UtcNow : null;
            if (final && ended)
            {
                break;
            }

            if (finalSince is { } since && DateTimeOffset.UtcNow - since > EndGrace)
            {
                await error.WriteLineAsync($"owf: run {runId} has ended, but its end is not in the stored history after {EndGrace.TotalSeconds:0} s; some lines may be missing (owf logs {runId} again later)");
                break;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        await Task.Delay(PollInterval, cancellationToken);
        await printer.PrintAsync(await HistoryCommand.ReadAllAsync(client, runId, 0, cancellationToken));
    }

    private sealed record Filter(string? Task, string? Step)
    {
        public bool Matches(RunEvent e) =>
            e.Kind == RunEventKind.StepLog && (Task is null || e.Task == Task) && (Step is null || e.Step == Step);

        /// <summary>What is wrong with the filter for this run (a task or step it does not have), or null.</summary>
        public string? Check(RunSnapshot snapshot)
        {
            var tasks = Task is null ? snapshot.Tasks : snapshot.Tasks.Where(t => t.Id == Task).ToList();
            if (Task is not null && tasks.Count == 0)
            {
                return $"run {snapshot.Id} has no task '{Task}' (tasks: {string.Join(", ", snapshot.Tasks.Select(t => t.Id))})";
            }

            if (Step is null)
            {
                return null;
            }

            // A foreach task lists its steps per instance, and has none before it starts: then any step may be there.
            if (tasks.Any(t => t.Instances is { Count: 0 }))
            {
                return null;
            }

            var steps = tasks.SelectMany(t => t.Steps.Concat(t.Instances?.SelectMany(i => i.Steps) ?? [])).Select(s => s.Id).Distinct().ToList();
            return steps.Contains(Step)
                ? null
                : $"{(Task is null ? $"run {snapshot.Id}" : $"task '{Task}'")} has no step '{Step}' (steps: {string.Join(", ", steps)})";
        }
    }

    /// <summary>Prints the matching log lines it has not printed yet.</summary>
    private sealed class LinePrinter(TextWriter output, bool json, Filter filter)
    {
        private readonly HashSet<string> _printed = new(StringComparer.Ordinal);
        private readonly ProgressPrinter _progress = new(output);

        public async Task PrintAsync(IEnumerable<StoredRunEvent> events)
        {
            foreach (var e in events.Select(s => s.Event).Where(filter.Matches))
            {
                if (!_printed.Add(e.Id))
                {
                    continue;
                }

                if (json)
                {
                    await output.WriteLineAsync(new JsonObject
                    {
                        ["timestamp"] = ClusterCommand.Iso(e.Timestamp),
                        ["task"] = e.Task,
                        ["index"] = e.Index,
                        ["step"] = e.Step,
                        ["attempt"] = e.Attempt,
                        ["line"] = e.Message,
                    }.ToJsonString(ClusterCommand.Compact));
                }
                else
                {
                    await _progress.PrintAsync(e);
                }
            }
        }
    }
}
