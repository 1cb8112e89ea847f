using Microsoft.Extensions.Logging;
using Orleans.Workflow.Playbooks.Model;

namespace Orleans.Workflow.Triggers;

public sealed partial class ScheduleGrain
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Schedule {Schedule} ({Cron}) is live")]
    private static partial void Enabled(ILogger logger, string schedule, string cron);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Schedule {Schedule} fired tick {Tick:O}: run {RunId}")]
    private static partial void Fired(ILogger logger, string schedule, DateTimeOffset tick, string runId);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Schedule {Schedule}: {Count} tick(s) missed between {From:O} and {To:O} not run (catchup {Catchup})")]
    private static partial void MissedTicks(ILogger logger, string schedule, long count, CatchupPolicy catchup, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Schedule {Schedule}: the run of tick {Tick:O} was refused: {Error}")]
    private static partial void TickRefused(ILogger logger, string schedule, DateTimeOffset tick, string error);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Schedule {Schedule}: could not start the run of tick {Tick:O}; trying again")]
    private static partial void TickFailed(ILogger logger, string schedule, DateTimeOffset tick, Exception exception);
}
