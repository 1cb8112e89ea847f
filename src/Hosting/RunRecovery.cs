using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// Wakes every active run and every live schedule when the cluster may have lost some: when this silo starts (the
/// whole cluster may have been stopped) and whenever another silo is declared dead. Only one silo does it each time:
/// the active silo with the lowest address. A woken run checks its tasks, and they their steps, so work that was on
/// the lost silo is sent again (receivers ignore what they already have); a woken schedule arms its timer again.
/// Runs come from the <see cref="IActiveRunIndex"/>, schedules from the <see cref="IScheduleIndex"/>.
/// </summary>
internal sealed partial class RunRecovery(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    IActiveRunIndex runs,
    IScheduleIndex schedules,
    IGrainFactory grains,
    ILogger<RunRecovery> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const int PageSize = 1000;
    private const string ActiveRuns = "active runs";
    private const string LiveSchedules = "live schedules";

    // Retries of a wake: 1 s, 2 s, 4 s, 8 s, then every 10 s; 10 rounds in all (about a minute).
    private const int WakeRounds = 10;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);
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
                    try
                    {
                        await Task.WhenAll(
                            WakeAllAsync(ActiveRuns, runs.ListAsync, id => grains.GetGrain<IRunGrain>(id).WakeAsync(), reason),
                            WakeAllAsync(LiveSchedules, schedules.ListAsync, key => grains.GetGrain<IScheduleGrain>(key).WakeAsync(), reason));
                    }
                    catch (Exception ex) when (!_stop.IsCancellationRequested)
                    {
                        // One failed wake must not end the watch: the next silo that dies needs it too.
                        WakeAllFailed(logger, reason, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The silo is stopping.
        }
        catch (Exception ex)
        {
            WatchFailed(logger, ex);
        }
    }

    /// <summary>
    /// Wakes every grain an index lists (<paramref name="what"/>: active runs or live schedules). One that cannot be
    /// reached now (its grain's directory range is still being recovered, the database is away) is tried again with
    /// backoff, and so is reading the index: after a silo dies, nothing else would wake a run whose grains were all on it.
    /// </summary>
    private async Task WakeAllAsync(
        string what,
        Func<string?, int, CancellationToken, Task<IReadOnlyList<string>>> list,
        Func<string, Task> wake,
        string reason)
    {
        var woken = 0;
        var pending = new List<string>();
        string? after = null;
        while (!_stop.IsCancellationRequested)
        {
            var page = await RetryAsync(() => list(after, PageSize, _stop.Token), e => ListFailed(logger, what, reason, e));
            if (page is null || page.Count == 0)
            {
                break;
            }

            pending.AddRange(await WakeAsync(page, wake));
            woken += page.Count;
            after = page[^1];
        }

        var delay = FirstRetryDelay;
        for (var round = 1; pending.Count > 0 && round <= WakeRounds && !_stop.IsCancellationRequested; round++)
        {
            await Task.Delay(delay, _stop.Token);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            pending = await WakeAsync(pending, wake);
        }

        foreach (var id in pending)
        {
            WakeFailed(logger, what, id);
        }

        if (woken > 0)
        {
            Woke(logger, woken - pending.Count, what, pending.Count, reason);
        }
    }

    /// <summary>Wakes the grains; answers those that could not be reached.</summary>
    private async Task<List<string>> WakeAsync(IReadOnlyList<string> ids, Func<string, Task> wake)
    {
        var failed = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = _stop.Token }, async (id, _) =>
        {
            try
            {
                await wake(id);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                // Any failure, a cancelled or timed-out call included: try this one again later.
                failed.Add(id);
                WakeRetry(logger, id, ex);
            }
        });
        return [.. failed];
    }

    private async Task<T?> RetryAsync<T>(Func<Task<T>> action, Action<Exception> failed)
        where T : class
    {
        var delay = FirstRetryDelay;
        for (var round = 1; ; round++)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                failed(ex);
                if (round >= WakeRounds)
                {
                    return null;
                }
            }

            await Task.Delay(delay, _stop.Token);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "recovery: woke {Woken} {What} ({Failed} could not be reached) because {Reason}")]
    private static partial void Woke(ILogger logger, int woken, string what, int failed, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "recovery: could not wake {Id} yet (tried again later)")]
    private static partial void WakeRetry(ILogger logger, string id, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "recovery: gave up waking {Id} of the {What}; it resumes when it is next called or the cluster next recovers")]
    private static partial void WakeFailed(ILogger logger, string what, string id);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "recovery: could not list the {What} ({Why}; tried again)")]
    private static partial void ListFailed(ILogger logger, string what, string why, Exception exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error, Message = "recovery: waking the active runs and live schedules failed ({Why})")]
    private static partial void WakeAllFailed(ILogger logger, string why, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "recovery: stopped watching the cluster's membership")]
    private static partial void WatchFailed(ILogger logger, Exception exception);
}
