using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary><c>log</c>: writes <c>message</c> at <c>level</c> (debug, info, warning, error) to the step log and the silo log.</summary>
public sealed partial class LogPlugin : IStepPlugin
{
    public string Name => "log";

    public bool RunsInline => true;

    public Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Input is JsonValue ? context.Input.ToString() : context.Text("message") ?? throw new StepFailedException("log needs 'message' (the line to write)");
        var level = (context.Input is JsonObject ? context.Text("level") : null) ?? "info";
        var logLevel = level switch
        {
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => throw new StepFailedException($"log level '{level}' is unknown; use debug, info, warning or error"),
        };
        var redacted = context.Redact(message);
        context.Log(redacted);
        Written(context.Logger, logLevel, context.RunId, context.Task, context.Step, redacted);
        return Task.FromResult<JsonNode?>(null);
    }

    [LoggerMessage(EventId = 2801, Message = "run {RunId} task {Task} step {Step}: {Message}")]
    private static partial void Written(ILogger logger, LogLevel level, string runId, string task, string step, string message);
}
