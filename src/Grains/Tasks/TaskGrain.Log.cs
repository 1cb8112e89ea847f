using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Tasks;

public sealed partial class TaskGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "task {Task}: could not send to step {Step} yet, will re-send: {Reason}")]
    private static partial void SendFailed(ILogger logger, string task, string step, string reason);
}
