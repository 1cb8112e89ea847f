using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Steps;

/// <summary>What running steps logs (event ids 2500 to 2599).</summary>
internal static partial class StepLogs
{
    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "step {Step}: cannot report to its task yet")]
    public static partial void ReportFailed(ILogger logger, string step, Exception exception);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "step {Step}: plugin threw {Type}")]
    public static partial void PluginCrashed(ILogger logger, string step, string type, Exception exception);
}
