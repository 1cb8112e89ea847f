using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Steps;

/// <summary>What running steps logs (event ids 2100 to 2199).</summary>
internal static partial class StepLogs
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "step {Step}: cannot report to its task yet")]
    public static partial void ReportFailed(ILogger logger, string step, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "step {Step}: plugin threw {Type}")]
    public static partial void PluginCrashed(ILogger logger, string step, string type, Exception exception);
}
