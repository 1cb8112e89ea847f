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
        WaitForSignalAsync = WaitForSignalAsync,
        Time = TimeProvider.System,
    };

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
