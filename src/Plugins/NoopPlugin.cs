using System.Text.Json.Nodes;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary><c>noop</c>: does nothing; its output is its input.</summary>
public sealed class NoopPlugin : IStepPlugin
{
    public string Name => "noop";

    public bool RunsInline => true;

    public Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(context.Input?.DeepClone());
    }
}
