using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// A graceful stop (SIGTERM): before Orleans deactivates anything, the silo stops starting step attempts, lets the
/// running ones finish for up to <see cref="WorkflowSiloOptions.DrainTimeout"/>, then cancels the rest (retried
/// elsewhere, as interrupted attempts). Grains then deactivate with their state written, and the silos that
/// remain wake the runs (see <see cref="RunRecovery"/>).
/// </summary>
internal sealed partial class DrainOnShutdown(StepDrain drain, WorkflowSiloOptions options, ILogger<DrainOnShutdown> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DrainOnShutdown), ServiceLifecycleStage.Active, _ => Task.CompletedTask, StopAsync);

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        Draining(logger, drain.Running, options.DrainTimeout);
        var cancelled = await drain.DrainAsync(options.DrainTimeout, Grace);
        if (cancelled > 0)
        {
            CancelledLeft(logger, cancelled);
        }
        else
        {
            Drained(logger);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "draining: no new step attempts start here; {Running} running may finish within {Timeout}")]
    private static partial void Draining(ILogger logger, int running, TimeSpan timeout);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "drained: every running step finished")]
    private static partial void Drained(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "drain deadline passed: cancelled {Count} running steps; they are retried on other silos")]
    private static partial void CancelledLeft(ILogger logger, int count);
}
