using System.Collections.Concurrent;

namespace Orleans.Workflow.Execution;

/// <summary>
/// The plugin attempts running on this silo, for a graceful shutdown: once <see cref="DrainAsync"/> begins, step
/// grains here start no new attempt (they hand the step to another silo through a reminder), running attempts
/// may finish until the deadline, and those still running then are cancelled and retried elsewhere.
/// </summary>
public sealed class StepDrain
{
    private readonly ConcurrentDictionary<Tracked, byte> _running = new();
    private volatile bool _draining;
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsDraining => _draining;

    /// <summary>How many attempts are running now.</summary>
    public int Running => _running.Count;

    /// <summary>Tracks one attempt until the returned handle is disposed (after its outcome is delivered).</summary>
    public IDisposable Track(CancellationTokenSource attempt)
    {
        var tracked = new Tracked(this, attempt);
        _running[tracked] = 0;
        return tracked;
    }

    /// <summary>True once the drain has cancelled the attempts still running at its deadline.</summary>
    public bool CancelledRunning => _cancelled;

    private volatile bool _cancelled;

    /// <summary>
    /// Stops new attempts, waits up to <paramref name="timeout"/> for the running ones, then cancels the rest and
    /// waits up to <paramref name="grace"/> for them to report. Answers how many were cancelled.
    /// </summary>
    public async Task<int> DrainAsync(TimeSpan timeout, TimeSpan grace)
    {
        _draining = true;
        if (await IdleWithinAsync(timeout))
        {
            return 0;
        }

        _cancelled = true;
        var left = _running.Keys.ToList();
        foreach (var tracked in left)
        {
            try
            {
                tracked.Attempt.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
        }

        await IdleWithinAsync(grace);
        return left.Count;
    }

    private async Task<bool> IdleWithinAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!_running.IsEmpty)
        {
            var idle = _idle;
            if (_running.IsEmpty)
            {
                break;
            }

            try
            {
                await idle.Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return _running.IsEmpty;
            }
        }

        return true;
    }

    private void Untrack(Tracked tracked)
    {
        if (_running.TryRemove(tracked, out _) && _running.IsEmpty)
        {
            Interlocked.Exchange(ref _idle, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private sealed class Tracked(StepDrain owner, CancellationTokenSource attempt) : IDisposable
    {
        public CancellationTokenSource Attempt { get; } = attempt;

        public void Dispose() => owner.Untrack(this);
    }
}
