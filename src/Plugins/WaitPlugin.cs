using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>wait</c>: for a <c>duration</c>, <c>until</c> an instant, or for a <c>signal</c> of the run (with an optional
/// <c>timeout</c>, after which the step is timed out). Output: the signal's payload, else nothing.
/// </summary>
public sealed class WaitPlugin : IStepPlugin
{
    private static readonly string[] Kinds = ["duration", "until", "signal"];

    public string Name => "wait";

    /// <summary>
    /// The signal and timeout of a well-formed signal wait, or null for any other input (the plugin itself then
    /// runs and reports what is wrong). The step grain keeps such waits in its state rather than in memory.
    /// </summary>
    public static (string Signal, TimeSpan? Timeout)? SignalOf(JsonNode? input)
    {
        if (input is not JsonObject obj || obj["signal"] is not JsonValue signalValue || !signalValue.TryGetValue<string>(out var signal)
            || obj.ContainsKey("duration") || obj.ContainsKey("until"))
        {
            return null;
        }

        if (obj["timeout"] is null)
        {
            return (signal, null);
        }

        return obj["timeout"] is JsonValue timeoutValue && timeoutValue.TryGetValue<string>(out var text) && Duration.TryParse(text, out var timeout)
            ? (signal, timeout)
            : null;
    }

    /// <summary>
    /// When a well-formed <c>duration</c> or <c>until</c> wait that starts at <paramref name="now"/> is over, or null
    /// for any other input. The step grain keeps such waits in its state (a timer, and a reminder when long).
    /// </summary>
    public static DateTimeOffset? WakeOf(JsonNode? input, DateTimeOffset now)
    {
        if (input is not JsonObject obj || Kinds.Count(obj.ContainsKey) != 1)
        {
            return null;
        }

        if (obj["duration"] is JsonValue duration && duration.TryGetValue<string>(out var durationText) && Duration.TryParse(durationText, out var delay))
        {
            return now + delay;
        }

        return obj["until"] is JsonValue until && until.TryGetValue<string>(out var untilText)
            && DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant
            : null;
    }

    public async Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.InputObject();
        var kinds = Kinds.Where(input.ContainsKey).ToList();
        if (kinds.Count > 1)
        {
            throw new StepFailedException($"wait takes exactly one of 'duration', 'until' and 'signal', found {string.Join(" and ", kinds.Select(k => $"'{k}'"))}");
        }

        if (context.Text("signal") is { } signal)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (context.Text("timeout") is { } limitText)
            {
                timeout.CancelAfter(ParseDuration(limitText, "timeout"));
            }

            try
            {
                var payload = await context.WaitForSignalAsync(signal, timeout.Token);
                return JsonNode.Parse(payload);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no signal '{signal}' arrived within {LimitText(context)}");
            }
        }

        TimeSpan delay;
        if (context.Text("duration") is { } durationText)
        {
            delay = ParseDuration(durationText, "duration");
        }
        else if (context.Text("until") is { } untilText)
        {
            if (!DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until))
            {
                throw new StepFailedException($"wait 'until' is not an ISO 8601 instant: {untilText}");
            }

            delay = until - context.Time.GetUtcNow();
        }
        else
        {
            throw new StepFailedException("wait needs one of 'duration', 'until' or 'signal'");
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.Time, cancellationToken);
        }

        return null;
    }

    private static string LimitText(StepContext context) => context.Text("timeout") ?? "its timeout";

    private static TimeSpan ParseDuration(string text, string key) =>
        Duration.TryParse(text, out var value) ? value : throw new StepFailedException($"wait '{key}' is not a duration: {text}");
}
