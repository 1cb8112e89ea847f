using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Runs;

public sealed partial class RunGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId}: could not send to task {Task} yet, will re-send: {Reason}")]
    private static partial void SendFailed(ILogger logger, string runId, string task, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId} of {Playbook} ended {Status}")]
    private static partial void Ended(ILogger logger, string runId, string playbook, WorkStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId} ended but could not leave the active-run index: {Reason}")]
    private static partial void IndexRemoveFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId} ended but could not announce it yet (admission, followers), will try again: {Reason}")]
    private static partial void AnnounceFailed(ILogger logger, string runId, string reason);
}
