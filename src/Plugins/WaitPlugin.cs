using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>wait</c>: for a <c>duration</c>, <c>until</c> an instant, or for a <c>signal</c> of the run (with an optional
/// <c>timeout</c>, after which the step is timed out). Output: the signal's payload, else nothing. It holds no
/// thread while it waits: it checks its input and suspends the attempt (<see cref="StepContext.Suspend"/>), and
/// the step keeps the wait in its state.
/// </summary>
public sealed class WaitPlugin : IStepPlugin
{
    private static readonly string[] Kinds = ["duration", "until", "signal"];

    public string Name => "wait";

    /// <summary>It only reads its input and suspends: the step grain runs it in its turn and writes the suspension at once.</summary>
    public bool RunsInline => true;

    public Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return Task.FromResult(context.Suspend(SuspensionOf(context)));
        }
        catch (StepFailedException ex)
        {
            return Task.FromException<JsonNode?>(ex);
        }
    }

    private static Suspension SuspensionOf(StepContext context)
    {
        var input = context.InputObject();
        var kinds = Kinds.Where(input.ContainsKey).ToList();
        if (kinds.Count > 1)
        {
            throw new StepFailedException($"wait takes exactly one of 'duration', 'until' and 'signal', found {string.Join(" and ", kinds.Select(k => $"'{k}'"))}");
        }

        if (context.Text("signal") is { } signal)
        {
            if (context.Text("timeout") is not { } limitText)
            {
                return Suspension.ForSignal(signal);
            }

            var limit = ParseDuration(limitText, "timeout");
            return Suspension.ForSignal(signal, limit, $"no signal '{signal}' arrived within {Duration.Format(limit)}");
        }

        if (context.Text("duration") is { } durationText)
        {
            return Suspension.Until(context.Time.GetUtcNow() + ParseDuration(durationText, "duration"));
        }

        if (context.Text("until") is { } untilText)
        {
            return DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until)
                ? Suspension.Until(until)
                : throw new StepFailedException($"wait 'until' is not an ISO 8601 instant: {untilText}");
        }

        throw new StepFailedException("wait needs one of 'duration', 'until' or 'signal'");
    }

    private static TimeSpan ParseDuration(string text, string key) =>
        Duration.TryParse(text, out var value) ? value : throw new StepFailedException($"wait '{key}' is not a duration: {text}");
}
