using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>
/// Follows a run on a cluster until it ends, as <c>owf watch</c> and <c>owf retry --wait</c> do: its event lines
/// while it goes on, then the summary (or, with <c>--json</c>, only the final snapshot). Exit codes as <c>owf run</c>.
/// </summary>
internal static class RunFollower
{
    /// <summary>
    /// Waits for <paramref name="runId"/> to end, printing the events of <paramref name="watch"/> (subscribed before
    /// whatever started this part of the run) unless <paramref name="json"/>. Interrupting it leaves the run going on (exit 1).
    /// </summary>
    public static async Task<int> FollowAsync(OwfConnection connection, string runId, RunWatch? watch, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var printing = watch is null || json ? Task.CompletedTask : PrintEventsAsync(watch, new ProgressPrinter(output), watching.Token);
        RunSnapshot snapshot;
        try
        {
            snapshot = await client.WaitForEndAsync(runId, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await watching.CancelAsync();
            await printing;
            await error.WriteLineAsync($"owf: interrupted; run {runId} goes on in {connection.Describe()} (owf watch {runId} to follow it again)");
            return OwfCommand.Failed;
        }

        // Events trail the state a little: let the last ones print, then stop.
        await Task.WhenAny(printing, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        await watching.CancelAsync();
        await printing;
        await PrintEndAsync(snapshot, json, output);
        return snapshot.Status == WorkStatus.Succeeded ? OwfCommand.Ok : OwfCommand.Failed;
    }

    /// <summary>The final snapshot as JSON, or the tree, root cause and outputs.</summary>
    public static async Task PrintEndAsync(RunSnapshot snapshot, bool json, TextWriter output)
    {
        if (json)
        {
            await output.WriteLineAsync(RunSnapshotJson.ToJson(snapshot).ToJsonString(CliJson.Indented));
        }
        else
        {
            await ProgressPrinter.PrintSummaryAsync(output, snapshot, withTree: true);
        }
    }

    private static async Task PrintEventsAsync(RunWatch watch, ProgressPrinter progress, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in watch.ReadAllAsync(cancellationToken))
            {
                await progress.PrintAsync(item);
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended, or owf was interrupted.
        }
    }
}

/// <summary>A stored run event as <c>owf history --json</c> and <c>owf logs --json</c> print it.</summary>
internal static class EventJson
{
    public static JsonObject ToJson(StoredRunEvent stored)
    {
        var e = stored.Event;
        return new JsonObject
        {
            ["position"] = stored.Position,
            ["id"] = e.Id,
            ["kind"] = Kind(e.Kind),
            ["timestamp"] = ClusterCommand.Iso(e.Timestamp),
            ["task"] = e.Task,
            ["index"] = e.Index,
            ["step"] = e.Step,
            ["attempt"] = e.Attempt,
            ["message"] = e.Message,
            ["data"] = Data(e.DataJson),
        };
    }

    /// <summary><c>StepRetryScheduled</c> → <c>step_retry_scheduled</c>.</summary>
    public static string Kind(RunEventKind kind)
    {
        var name = kind.ToString();
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>Where an event happened, for people: <c>run</c>, <c>task greet[1]</c>, <c>step greet[1].say</c>.</summary>
    public static string Where(RunEvent e)
    {
        var index = e.Index is { } i ? "[" + i.ToString(CultureInfo.InvariantCulture) + "]" : string.Empty;
        return e.Task is null ? "run" : e.Step is null ? $"task {e.Task}{index}" : $"step {e.Task}{index}.{e.Step}";
    }

    private static JsonNode? Data(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }
}
