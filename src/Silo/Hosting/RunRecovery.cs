using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Silo.Hosting;

/// <summary>
/// Wakes every active run when the cluster may have lost some: when this silo starts (the whole cluster may have
/// been stopped) and whenever another silo is declared dead. Only one silo does it each time: the active silo with
/// the lowest address. A woken run checks its tasks, and they their steps, so work that was on the lost silo is
/// sent again (receivers ignore what they already have).
/// </summary>
internal sealed partial class RunRecovery(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    IActiveRunIndex index,
    IGrainFactory grains,
    ILogger<RunRecovery> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const int PageSize = 1000;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunRecovery), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(WatchAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping anyway.
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task WatchAsync()
    {
        var dead = new HashSet<SiloAddress>();
        var first = true;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stop.Token))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress))
                    .Select(m => m.SiloAddress)
                    .ToList();
                if (!first && newlyDead.Count == 0)
                {
                    continue;
                }

                var reason = first ? "this silo started" : $"silo {string.Join(", ", newlyDead)} died";
                first = false;
                var leader = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).DefaultIfEmpty(local.SiloAddress).Min();
                if (leader == local.SiloAddress)
                {
                    await WakeAllAsync(reason);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The silo is stopping.
        }
        catch (Exception ex)
        {
            WatchFailed(logger, ex.Message);
        }
    }

    private async Task WakeAllAsync(string reason)
    {
        var woken = 0;
        var failed = 0;
        string? after = null;
        while (!_stop.IsCancellationRequested)
        {
            IReadOnlyList<string> page;
            try
            {
                page = await index.ListAsync(after, PageSize, _stop.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ListFailed(logger, reason, ex.Message);
                return;
            }

            if (page.Count == 0)
            {
                break;
            }

            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = _stop.Token }, async (runId, _) =>
            {
                try
                {
                    await grains.GetGrain<IRunGrain>(runId).ResumeAsync();
                    Interlocked.Increment(ref woken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    WakeFailed(logger, runId, ex.Message);
                }
            });
            after = page[^1];
        }

        if (woken + failed > 0)
        {
            Woke(logger, woken, failed, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "recovery: woke {Woken} active runs ({Failed} could not be reached) because {Reason}")]
    private static partial void Woke(ILogger logger, int woken, int failed, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recovery: could not wake run {RunId}: {Reason}")]
    private static partial void WakeFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "recovery: could not list the active runs ({Why}): {Reason}")]
    private static partial void ListFailed(ILogger logger, string why, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "recovery: stopped watching the cluster's membership: {Reason}")]
    private static partial void WatchFailed(ILogger logger, string reason);
}
