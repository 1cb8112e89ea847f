using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Commands;

/// <summary>Prints a run's events as plain lines while it runs, and its task/step tree and outputs when it ends.</summary>
public sealed class ProgressPrinter(TextWriter output)
{
    public Task PrintAsync(RunEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var where = item.Task is null ? "run" : item.Step is null
            ? $"task {item.Task}{Index(item.Index)}"
            : $"step {item.Task}{Index(item.Index)}.{item.Step}";
        var what = item.Kind switch
        {
            RunEventKind.StepLog => "|",
            RunEventKind.StepStarted => $"started (attempt {item.Attempt})",
            _ => Words(item.Kind),
        };
        var message = string.IsNullOrEmpty(item.Message) ? string.Empty : (item.Kind == RunEventKind.StepLog ? " " : ": ") + item.Message;
        return output.WriteLineAsync($"{item.Timestamp.ToLocalTime():HH:mm:ss.fff} {where} {what}{message}");
    }

    /// <summary>The tree (unless it is already on screen), the root cause of a failure, and the outputs.</summary>
    public static async Task PrintSummaryAsync(TextWriter output, RunSnapshot snapshot, bool withTree = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (withTree)
        {
            await output.WriteLineAsync();
            foreach (var line in Tree(snapshot, snapshot.EndedAt ?? DateTimeOffset.UtcNow))
            {
                await output.WriteLineAsync(line);
            }
        }

        if (snapshot.Error is { } error)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"error: {error.Message}");
        }

        if (snapshot.OutputsJson is { } outputs)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("outputs:");
            await output.WriteLineAsync(JsonNode.Parse(outputs)!.ToJsonString(CliJson.Indented));
        }
    }

    /// <summary>The run as a task/step tree with states and durations (running ones measured up to <paramref name="now"/>).</summary>
    public static List<string> Tree(RunSnapshot snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var lines = new List<string> { $"run {snapshot.Id}  {snapshot.Playbook}  {snapshot.Status.Name()}  {Took(snapshot.StartedAt, snapshot.EndedAt, now)}" };
        foreach (var task in snapshot.Tasks)
        {
            var reason = task.Reason is null ? string.Empty : $" ({task.Reason})";
            lines.Add($"  {Mark(task.Status)} {task.Id}  {task.Status.Name()}{reason}  {Took(task.StartedAt, task.EndedAt, now)}");
            if (task.Instances is { } instances)
            {
                foreach (var instance in instances)
                {
                    lines.Add($"      [{instance.Index}] {instance.ItemJson}  {instance.Status.Name()}");
                    Steps(lines, instance.Steps, "          ", now);
                }
            }
            else
            {
                Steps(lines, task.Steps, "      ", now);
            }
        }

        return lines;
    }

    private static void Steps(List<string> lines, IReadOnlyList<StepSnapshot> steps, string indent, DateTimeOffset now)
    {
        foreach (var step in steps)
        {
            var attempts = step.Attempts > 1 ? $"  {step.Attempts} attempts" : string.Empty;
            var error = step.Error is null ? string.Empty : $"  {step.Error}";
            lines.Add($"{indent}{Mark(step.Status)} {step.Id}  {step.Status.Name()}  {Took(step.StartedAt, step.EndedAt, now)}{attempts}{error}");
        }
    }

    private static string Mark(WorkStatus status) => status switch
    {
        WorkStatus.Succeeded => "ok",
        WorkStatus.Failed => "XX",
        WorkStatus.TimedOut => "TO",
        WorkStatus.Skipped => "--",
        WorkStatus.Cancelled => "CX",
        _ => "..",
    };

    private static string Took(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now) =>
        start is { } s ? ((end ?? now) - s).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms" : string.Empty;

    private static string Index(int? index) => index is { } i ? $"[{i}]" : string.Empty;

    private static string Words(RunEventKind kind)
    {
        var name = kind.ToString();
        var verb = name.StartsWith("Run", StringComparison.Ordinal) ? name[3..] : name.StartsWith("Task", StringComparison.Ordinal) ? name[4..] : name[4..];
        return verb switch
        {
            "RetryScheduled" => "retry scheduled",
            "TimedOut" => "timed out",
            _ => verb.ToLowerInvariant(),
        };
    }
}
