using Microsoft.Extensions.Hosting;

namespace Orleans.Workflow.Cli.Connection;

/// <summary>
/// The embedded silo's host does not handle Ctrl-C or SIGTERM itself: owf does (it cancels the run, then stops
/// the host). The default console lifetime would hold the signal until a host that is never run stops.
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
