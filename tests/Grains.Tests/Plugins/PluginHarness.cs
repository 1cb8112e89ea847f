using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Workflow.Plugins;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>Builds the <see cref="StepContext"/> a plugin sees, without a cluster, and keeps the lines it logs.</summary>
public sealed class PluginHarness
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Every line the plugin wrote through <see cref="StepContext.Log"/>, in order.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Replaces secrets in logged text; identity unless a test sets it.</summary>
    public Func<string, string> Redact { get; init; } = text => text;

    /// <summary>Answers a signal wait; by default a wait for a signal is a test bug.</summary>
    public Func<string, CancellationToken, Task<string>> WaitForSignalAsync { get; init; } =
        (name, _) => throw new InvalidOperationException($"this test does not expect a wait for signal '{name}'");

    public StepContext Context(JsonNode? input, string step = "step-1") => new()
    {
        Input = input,
        RunId = "run-" + Guid.NewGuid().ToString("N")[..8],
        Playbook = "plugin-tests",
        Task = "task",
        Index = -1,
        Step = step,
        Attempt = 1,
        IdempotencyKey = $"run/task/-1/{step}",
        Logger = NullLogger.Instance,
        Redact = Redact,
        Log = _lines.Enqueue,
        Time = TimeProvider.System,
    };

    /// <summary>
    /// Runs one attempt of <paramref name="plugin"/> and, when it suspends, carries the suspension out as a step
    /// would: waits until its instant, or for its signal (answered by <see cref="WaitForSignalAsync"/>) within its
    /// timeout, which ends in a <see cref="TimeoutException"/> carrying the suspension's error.
    /// </summary>
    public Task<JsonNode?> RunAsync(IStepPlugin plugin, StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(context);
        var attempt = plugin.ExecuteAsync(context, cancellationToken);
        if (attempt.IsCompletedSuccessfully && context.Suspension is null)
        {
            return attempt;
        }

        if (attempt.IsCompletedSuccessfully && context.Suspension is { At: { } at } && at <= context.Time.GetUtcNow())
        {
            return Task.FromResult<JsonNode?>(null);
        }

        return SuspendedAsync(attempt, context, cancellationToken);
    }

    private async Task<JsonNode?> SuspendedAsync(Task<JsonNode?> attempt, StepContext context, CancellationToken cancellationToken)
    {
        var output = await attempt;
        switch (context.Suspension)
        {
            case null:
                return output;
            case { At: { } at }:
                var delay = at - context.Time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, context.Time, cancellationToken);
                }

                return null;
            case { Signal: { } signal } suspension:
                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (suspension.Timeout is { } timeout)
                    {
                        limit.CancelAfter(timeout);
                    }

                    try
                    {
                        return JsonNode.Parse(await WaitForSignalAsync(signal, limit.Token));
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException(suspension.TimeoutError);
                    }
                }

            default:
                throw new InvalidOperationException("a suspension with neither an instant nor a signal");
        }
    }

    /// <summary>Parses a test's JSON literal into the plugin input.</summary>
    public static JsonNode? Json(string json) => JsonNode.Parse(json);
}

/// <summary>Waiting on conditions, with a deadline instead of a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        var pause = TimeSpan.FromMilliseconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"gave up waiting after {(deadline ?? DefaultDeadline).TotalSeconds:0.#}s for {what}");
            }

            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 200));
        }
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test (instead of hanging it) when the deadline passes.</summary>
    public static async Task<T> Within<T>(Task<T> task, string what, TimeSpan? deadline = null)
    {
        try
        {
            return await task.WaitAsync(deadline ?? DefaultDeadline);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"gave up waiting after {(deadline ?? DefaultDeadline).TotalSeconds:0.#}s for {what}", ex);
        }
    }

    public static async Task Within(Task task, string what, TimeSpan? deadline = null)
    {
        try
        {
            await task.WaitAsync(deadline ?? DefaultDeadline);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"gave up waiting after {(deadline ?? DefaultDeadline).TotalSeconds:0.#}s for {what}", ex);
        }
    }
}
