using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>
/// <c>owf cancel|pause|resume RUN</c> and <c>owf signal RUN NAME [JSON]</c>: controls of a run on a cluster. Each is
/// idempotent and answers what happened: exit 0 when it took effect (the answer on stdout), 1 when it did not apply
/// (the answer on stderr, e.g. "run X already succeeded").
/// </summary>
public static class RunControlCommands
{
    private const string ControlExitCodes = """
        Exit codes: 0 it took effect, 1 it did not apply (the run has ended, is not paused, ...: the message
        says why; nothing changed), 2 bad arguments or no cluster, 3 the cluster could not be reached, 4 no such run.
        """;

    public static Command Cancel(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var reason = new Option<string?>("--reason") { Description = "Why, kept in the run's history." };
        var json = new Option<bool>("--json") { Description = "Print {run, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("cancel", $"""
            Cancel a run: nothing new starts, running steps are cancelled (a shell step's processes end, an HTTP
            call is aborted, a child run is cancelled too), and the run ends cancelled. owf retry RUN runs it again.
            {ControlExitCodes}
            {ClusterCommand.NeedsCluster}

            Examples:
              owf cancel 01a2063cfb17dcc55d6c755d40 --reason "wrong run date" --cluster "Host=db;Username=owf;Password=...;Database=owf"
            """)
        {
            run,
            reason,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var runId = result.GetValue(run)!;
            var why = result.GetValue(reason) is { Length: > 0 } given ? given : "cancelled with owf cancel";
            return ControlAsync("cancel", runId, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), client => client.CancelAsync(runId, why), output, error, cancellationToken);
        });
        return command;
    }

    public static Command Pause(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var reason = new Option<string?>("--reason") { Description = "Why, kept in the run's history." };
        var json = new Option<bool>("--json") { Description = "Print {run, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("pause", $"""
            Pause a run: no task or step starts while it is paused; steps already running finish. owf resume RUN
            goes on exactly where it stopped.
            {ControlExitCodes}
            {ClusterCommand.NeedsCluster}

            Examples:
              owf pause 01a2063cfb17dcc55d6c755d40 --reason "database maintenance"
            """)
        {
            run,
            reason,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var runId = result.GetValue(run)!;
            var why = result.GetValue(reason) is { Length: > 0 } given ? given : "paused with owf pause";
            return ControlAsync("pause", runId, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), client => client.PauseAsync(runId, why), output, error, cancellationToken);
        });
        return command;
    }

    public static Command Resume(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var json = new Option<bool>("--json") { Description = "Print {run, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("resume", $"""
            Resume a paused run where it stopped.
            {ControlExitCodes}
            {ClusterCommand.NeedsCluster}

            Examples:
              owf resume 01a2063cfb17dcc55d6c755d40
            """)
        {
            run,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var runId = result.GetValue(run)!;
            return ControlAsync("resume", runId, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), client => client.ResumeAsync(runId), output, error, cancellationToken);
        });
        return command;
    }

    public static Command Signal(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run id." };
        var name = new Argument<string>("NAME") { Description = "The signal's name (a wait step's 'signal:')." };
        var payload = new Argument<string?>("JSON") { Description = "The payload, any JSON value; it becomes the wait step's output (default: null).", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print {run, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("signal", $$"""
            Send a signal to a run: the wait step waiting for NAME resumes with JSON as its output. A signal nobody
            waits for yet is kept and delivered when a step reaches it (that counts as taking effect).
            {{ControlExitCodes}}
            A JSON argument that is not valid JSON exits 2 before anything is sent.
            {{ClusterCommand.NeedsCluster}}

            Examples:
              owf signal 01a2063cfb17dcc55d6c755d40 approved '{"by": "ada", "ok": true}'
              owf signal 01a2063cfb17dcc55d6c755d40 go
            """)
        {
            run,
            name,
            payload,
            json,
            cluster,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var runId = result.GetValue(run)!;
            var signal = result.GetValue(name)!;
            var text = result.GetValue(payload) ?? "null";
            string payloadJson;
            try
            {
                payloadJson = JsonNode.Parse(text)?.ToJsonString() ?? "null";
            }
            catch (JsonException ex)
            {
                await error.WriteLineAsync($"owf signal: the payload is not valid JSON ({ex.Message}): {text}");
                await error.WriteLineAsync("Quote it for the shell, and quote JSON strings inside it: owf signal RUN NAME '{\"ok\": true}' or '\"text\"'.");
                return OwfCommand.Invalid;
            }

            return await ControlAsync("signal", runId, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), client => client.SignalAsync(runId, signal, payloadJson), output, error, cancellationToken);
        });
        return command;
    }

    // The grains answer what happened (took effect, does not apply, not found) and why, in words.
    private static Task<int> ControlAsync(string command, string runId, bool json, string? cluster, Func<Client.WorkflowClient, Task<ControlResult>> control, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ClusterCommand.RunAsync(command, cluster, error, async connection =>
        {
            if (await ClusterCommand.FindRunAsync(connection, runId, error) is null)
            {
                return OwfCommand.NotFound;
            }

            var answer = await control(connection.Client);
            return await ClusterCommand.AnswerAsync(answer.Outcome, answer.Message, json ? new JsonObject { ["run"] = runId } : null, output, error);
        }, cancellationToken);
}
