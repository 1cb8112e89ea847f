using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Runs;

// Event ids 1900 to 1999.
public sealed partial class RunGrain
{
    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "run {RunId}: could not send to task {Task} yet, will re-send")]
    private static partial void SendFailed(ILogger logger, string runId, string task, Exception exception);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "run {RunId} of {Playbook} ended {Status}")]
    private static partial void Ended(ILogger logger, string runId, string playbook, WorkStatus status);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Warning, Message = "run {RunId} ended but could not leave the active-run index")]
    private static partial void IndexRemoveFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 1904, Level = LogLevel.Warning, Message = "run {RunId} ended but could not announce it yet (admission, followers), will try again")]
    private static partial void AnnounceFailed(ILogger logger, string runId, Exception exception);
}
