using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting;

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

    // Live schedules share the index with active runs (see ScheduleGrain.IndexKey).
    private const string SchedulePrefix = ScheduleGrain.IndexPrefix;

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
                        await WakeAllAsync(reason);
                    }
                    catch (Exception ex) when (!_stop.IsCancellationRequested)
                    {
                        // One failed wake must not end the watch: the next silo that dies needs it too.
                        WakeAllFailed(logger, reason, ex.Message);
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
            WatchFailed(logger, ex.Message);
        }
    }

    /// <summary>
    /// Wakes every run in the index. A run that cannot be reached now (its grain's directory range is still being
    /// recovered, the database is away) is tried again with backoff, and so is reading the index: after a silo
    /// dies, nothing else would wake a run whose grains were all on it.
    /// </summary>
    private async Task WakeAllAsync(string reason)
    {
        var woken = 0;
        var pending = new List<string>();
        string? after = null;
        while (!_stop.IsCancellationRequested)
        {
            var page = await RetryAsync(() => index.ListAsync(after, PageSize, _stop.Token), e => ListFailed(logger, reason, e));
            if (page is null || page.Count == 0)
            {
                break;
            }

            pending.AddRange(await WakeAsync(page));
            woken += page.Count;
            after = page[^1];
        }

        var delay = FirstRetryDelay;
        for (var round = 1; pending.Count > 0 && round <= WakeRounds && !_stop.IsCancellationRequested; round++)
        {
            await Task.Delay(delay, _stop.Token);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            pending = await WakeAsync(pending);
        }

        foreach (var runId in pending)
        {
            WakeFailed(logger, runId);
        }

        if (woken > 0)
        {
            Woke(logger, woken - pending.Count, pending.Count, reason);
        }
    }

    /// <summary>Wakes the runs; answers those that could not be reached.</summary>
    private async Task<List<string>> WakeAsync(IReadOnlyList<string> runIds)
    {
        var failed = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(runIds, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = _stop.Token }, async (runId, _) =>
        {
            try
            {
                if (runId.StartsWith(SchedulePrefix, StringComparison.Ordinal))
                {
                    await grains.GetGrain<IScheduleGrain>(runId[SchedulePrefix.Length..]).WakeAsync(); // a live schedule
                }
                else
                {
                    await grains.GetGrain<IRunGrain>(runId).ResumeAsync();
                }
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                // Any failure, a cancelled or timed-out call included: try this run again later.
                failed.Add(runId);
                WakeRetry(logger, runId, ex.Message);
            }
        });
        return [.. failed];
    }

    private async Task<T?> RetryAsync<T>(Func<Task<T>> action, Action<string> failed)
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
                failed(ex.Message);
                if (round >= WakeRounds)
                {
                    return null;
                }
            }

            await Task.Delay(delay, _stop.Token);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "recovery: woke {Woken} active runs ({Failed} could not be reached) because {Reason}")]
    private static partial void Woke(ILogger logger, int woken, int failed, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "recovery: could not wake run {RunId} yet (tried again later): {Reason}")]
    private static partial void WakeRetry(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recovery: gave up waking run {RunId}; it resumes when it is next called or the cluster next recovers")]
    private static partial void WakeFailed(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recovery: could not list the active runs ({Why}; tried again): {Reason}")]
    private static partial void ListFailed(ILogger logger, string why, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "recovery: waking the active runs failed ({Why}): {Reason}")]
    private static partial void WakeAllFailed(ILogger logger, string why, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "recovery: stopped watching the cluster's membership: {Reason}")]
    private static partial void WatchFailed(ILogger logger, string reason);
}
