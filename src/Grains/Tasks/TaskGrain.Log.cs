using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Tasks;

// Event ids 2000 to 2099.
public sealed partial class TaskGrain
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "task {Task}: could not send to step {Step} yet, will re-send")]
    private static partial void SendFailed(ILogger logger, string task, string step, Exception exception);
}
