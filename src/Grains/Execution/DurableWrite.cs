using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Orleans.Workflow.Execution;

/// <summary>
/// How the workflow grains write their state. The database may be away for a while (a restart, a fail-over):
/// a failed write is retried, holding the grain's turn (nothing it does could be kept meanwhile), with backoff
/// for up to <see cref="Patience"/>. If it still fails, or the stored state has moved on (an ETag conflict,
/// which retrying cannot fix), the activation is dropped, so its unsaved changes are forgotten and the next
/// activation starts from what is stored; the caller's message then fails, and its sender sends it again.
/// </summary>
public static partial class DurableWrite
{
    /// <summary>How long a write keeps trying before the activation gives up its unsaved state.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public static async Task WriteAsync<T>(this IPersistentState<T> state, Grain grain, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(grain);
        var started = DateTime.UtcNow;
        var id = grain.GetGrainId();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var tries = 1; ; tries++)
        {
            try
            {
                await state.WriteStateAsync();
                if (tries > 1)
                {
                    Recovered(logger, id, tries, DateTime.UtcNow - started);
                }

                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var conflict = ex is InconsistentStateException;
                if (conflict || DateTime.UtcNow - started + delay > Patience)
                {
                    GaveUp(logger, id, tries, conflict ? "the stored state changed (ETag)" : "the storage kept failing", ex);
                    grain.DeactivateOnIdle();
                    throw;
                }

                if (tries == 1)
                {
                    Failing(logger, id, ex);
                }

                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 2701, Level = LogLevel.Warning, Message = "{Grain}: cannot write its state, retrying for up to 2 minutes")]
    private static partial void Failing(ILogger logger, GrainId grain, Exception exception);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Information, Message = "{Grain}: state written after {Tries} tries ({Elapsed})")]
    private static partial void Recovered(ILogger logger, GrainId grain, int tries, TimeSpan elapsed);

    [LoggerMessage(EventId = 2703, Level = LogLevel.Error, Message = "{Grain}: gave up writing its state after {Tries} tries ({Reason}); the activation is dropped and resumes from the stored state")]
    private static partial void GaveUp(ILogger logger, GrainId grain, int tries, string reason, Exception exception);
}
