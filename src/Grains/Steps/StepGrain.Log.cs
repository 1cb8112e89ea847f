using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Steps;

public sealed partial class StepGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step}: cannot report to its task yet: {Reason}")]
    private static partial void ReportFailed(ILogger logger, string step, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step}: plugin threw {Type}: {Reason}")]
    private static partial void PluginCrashed(ILogger logger, string step, string type, string reason);
}
