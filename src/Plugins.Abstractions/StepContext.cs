using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Plugins;

/// <summary>What a plugin knows about the attempt it runs.</summary>
public sealed class StepContext
{
    /// <summary>The step's <c>with:</c>, rendered (expressions evaluated, secrets resolved).</summary>
    public required JsonNode? Input { get; init; }

    public required string RunId { get; init; }

    public required string Playbook { get; init; }

    public required string Task { get; init; }

    /// <summary>The foreach index, or -1 outside a foreach.</summary>
    public required int Index { get; init; }

    public required string Step { get; init; }

    /// <summary>1 for the first try.</summary>
    public required int Attempt { get; init; }

    /// <summary>The run's attempt (1, or more after the run was retried).</summary>
    public int RunAttempt { get; init; } = 1;

    /// <summary>Stable for this step across attempts and crashes: <c>{run}/{task}/{index}/{step}</c>.</summary>
    public required string IdempotencyKey { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>Replaces every secret value in a text with <c>***</c>.</summary>
    public required Func<string, string> Redact { get; init; }

    /// <summary>Writes a line to the step's log (secrets masked).</summary>
    public required Action<string> Log { get; init; }

    /// <summary>The clock (tests move it).</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The suspension this attempt ended with (<see cref="Suspend"/>), or null.</summary>
    public Suspension? Suspension { get; private set; }

    /// <summary>
    /// Ends the attempt suspended (waiting for a time or a signal) rather than finished: return what this returns
    /// (<c>return context.Suspend(...)</c>). Whatever the plugin returns after calling it is not the output; the
    /// output is what ends the suspension (a signal's payload).
    /// </summary>
    public JsonNode? Suspend(Suspension suspension)
    {
        ArgumentNullException.ThrowIfNull(suspension);
        Suspension = suspension;
        return null;
    }

    /// <summary>Reads <paramref name="key"/> of the input as text, or null.</summary>
    public string? Text(string key) => Input is JsonObject obj && obj[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : Input is JsonObject o && o[key] is { } node ? node.ToJsonString() : null;

    /// <summary>The input as an object, or a clear failure.</summary>
    public JsonObject InputObject() =>
        Input as JsonObject ?? throw new StepFailedException($"plugin input must be a mapping ('with:' keys), found {(Input is null ? "nothing" : Input.GetValueKind().ToString().ToLowerInvariant())}");
}
