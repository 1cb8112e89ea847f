using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>
/// What every command that works on a cluster's playbooks and runs shares: it needs a cluster (an embedded silo
/// starts empty and forgets everything when owf exits, so there is nothing to find there), it connects, and it
/// maps "cannot reach" to exit 3 and "no such run" to exit 4.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>JSON on one line (a JSON-lines stream), with quotes and '+' left readable like <see cref="CliJson.Indented"/>.</summary>
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The help text's line about the cluster, shared by every command.</summary>
    public const string NeedsCluster =
        "Needs a cluster: --cluster CONNECTION_STRING or $" + OwfConnection.ClusterVariable + " (the PostgreSQL database its silos use).";

    /// <summary>The error for a command run without a cluster: why there is nothing to find, and how to name one.</summary>
    public static string NoCluster(string command) =>
        $"owf {command}: no cluster given. Without --cluster (or {OwfConnection.ClusterVariable}) owf would use an embedded silo in this process, " +
        "which starts empty and forgets everything when owf exits, so it has no playbooks or runs to work on. " +
        $"Name the cluster's PostgreSQL database: owf {command} ... --cluster \"Host=db;Username=owf;Password=...;Database=owf\" " +
        $"(or export {OwfConnection.ClusterVariable}=\"Host=db;...\").";

    /// <summary>
    /// Connects to <paramref name="cluster"/> and runs <paramref name="body"/>: exit 2 without a cluster, 3 when it
    /// cannot be reached, 4 when the body finds no such run; otherwise what the body answers.
    /// </summary>
    public static async Task<int> RunAsync(string command, string? cluster, TextWriter error, Func<OwfConnection, Task<int>> body, CancellationToken cancellationToken)
    {
        if (cluster is null)
        {
            await error.WriteLineAsync(NoCluster(command));
            return OwfCommand.Invalid;
        }

        OwfConnection connection;
        try
        {
            connection = await OwfConnection.OpenAsync(cluster, cancellationToken);
        }
        catch (OwfConnectionException ex)
        {
            await error.WriteLineAsync($"owf: {ex.Message}");
            return OwfCommand.Unreachable;
        }

        await using var _ = connection;
        try
        {
            return await body(connection);
        }
        catch (RunNotFoundException ex)
        {
            await error.WriteLineAsync(NoRun(ex.Message, connection));
            return OwfCommand.NotFound;
        }
    }

    /// <summary>The snapshot of <paramref name="runId"/>, or null after printing that there is no such run.</summary>
    public static async Task<Orleans.Workflow.Runs.RunSnapshot?> FindRunAsync(OwfConnection connection, string runId, TextWriter error)
    {
        try
        {
            return await connection.Client.GetSnapshotAsync(runId);
        }
        catch (RunNotFoundException)
        {
            await error.WriteLineAsync(NoRun($"run {runId} does not exist", connection));
            return null;
        }
    }

    private static string NoRun(string message, OwfConnection connection) =>
        $"owf: {message} in {connection.Describe()}; check the id (owf run --detach and owf status print it) and that --cluster names the cluster it ran on";

    /// <summary>Prints a control's answer: on stdout when it took effect (exit 0), else on stderr (exit 1 does not apply, 2 invalid, 4 not found).</summary>
    public static async Task<int> AnswerAsync(ControlOutcome outcome, string message, JsonObject? json, TextWriter output, TextWriter error)
    {
        var applied = outcome == ControlOutcome.Applied;
        if (json is not null)
        {
            json["applied"] = applied;
            json["outcome"] = outcome switch
            {
                ControlOutcome.Applied => "applied",
                ControlOutcome.NotFound => "not_found",
                ControlOutcome.Invalid => "invalid",
                _ => "not_applicable",
            };
            json["message"] = message;
            await output.WriteLineAsync(json.ToJsonString(CliJson.Indented));
        }
        else if (applied)
        {
            await output.WriteLineAsync(message);
        }
        else
        {
            await error.WriteLineAsync($"owf: {message}");
        }

        return outcome switch
        {
            ControlOutcome.Applied => OwfCommand.Ok,
            ControlOutcome.NotFound => OwfCommand.NotFound,
            ControlOutcome.Invalid => OwfCommand.Invalid,
            _ => OwfCommand.Failed,
        };
    }

    /// <summary>An instant for JSON: ISO 8601.</summary>
    public static string? Iso(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>An instant for people: local time to the second.</summary>
    public static string Local(DateTimeOffset value) => value.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>Plain aligned columns: a header row, then one row per item; two spaces between columns.</summary>
internal static class Table
{
    public static async Task WriteAsync(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < row.Count && i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in all)
        {
            var cells = row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]));
            await output.WriteLineAsync(string.Join("  ", cells).TrimEnd());
        }
    }
}
