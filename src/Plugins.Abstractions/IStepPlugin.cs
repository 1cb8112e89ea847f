using System.Text.Json.Nodes;

namespace Orleans.Workflow.Plugins;

/// <summary>
/// A step plugin: one unit of work a step runs (<c>uses: name</c>). Implement it in any .NET assembly and
/// register it in the silo with <c>AddStepPlugin&lt;T&gt;()</c>. <see cref="ExecuteAsync"/> runs outside any grain
/// turn; it may be called again for the same step (a retry, or a retry after a crash), so use
/// <see cref="StepContext.IdempotencyKey"/> to make effects happen once.
/// </summary>
public interface IStepPlugin
{
    /// <summary>The name steps use (<c>uses: shell</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True only for a plugin that finishes (or suspends, <see cref="StepContext.Suspend"/>) at once, with no I/O and
    /// no blocking (<c>noop</c>, <c>log</c>, <c>wait</c>): it runs within the step grain's turn, and the step writes
    /// its state once, when it ends or suspends, instead of also before the attempt. If the silo dies during that
    /// turn nothing was written, and the task sends the step again. Its task may first try it in its own turn.
    /// </summary>
    bool RunsInline => false;

    /// <summary>
    /// Runs one attempt. Return the output (any JSON), throw <see cref="StepFailedException"/> for a failure with a
    /// clear message, and honour <paramref name="cancellationToken"/> (timeouts and cancellation arrive through it).
    /// </summary>
    Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken);
}

/// <summary>A plugin's way of saying the attempt failed, with a message users will read.</summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException()
    {
    }

    public StepFailedException(string message)
        : base(message)
    {
    }

    public StepFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Output to keep although the attempt failed (a shell step's exit code and stderr).</summary>
    public JsonNode? Output { get; init; }
}
