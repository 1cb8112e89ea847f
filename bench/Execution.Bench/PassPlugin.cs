using System.Text.Json.Nodes;
using Orleans.Workflow.Plugins;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// <c>pass</c>: returns at once, like <c>noop</c>, but does not run inline, so its steps take the path every I/O
/// plugin takes (a step grain, the attempt off the grain's turn, reports by message). What the grain path costs.
/// </summary>
internal sealed class PassPlugin : IStepPlugin
{
    public string Name => "pass";

    public Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken) => Task.FromResult<JsonNode?>(null);
}
