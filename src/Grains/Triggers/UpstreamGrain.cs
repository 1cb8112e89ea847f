using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>Persisted state of one task's freshness: its last success and the tasks waiting for a newer one.</summary>
[GenerateSerializer]
[Alias("owf.UpstreamGrainState")]
public sealed class UpstreamGrainState
{
    [Id(0)]
    public DateTimeOffset? LastSuccessAt { get; set; }

    [Id(1)]
    public string? LastRunId { get; set; }

    /// <summary>Waiting tasks as <c>{run id}/{task}</c>.</summary>
    [Id(2)]
    public List<string> Watchers { get; set; } = [];

    /// <summary>The playbooks with a task that needs this one (<c>needs: {playbook, task}</c>).</summary>
    [Id(3)]
    public List<string> NeededBy { get; set; } = [];
}

/// <summary>
/// When one task of one playbook last succeeded, and who waits for it. Every success of the task reaches it
/// (one-way, from the run). It is written only when some playbook needs the task: at once when a task waits,
/// else at most once a second (a success within the last second may be forgotten by a crash: a waiting task is
/// then told at the next one) and when the grain is deactivated.
/// </summary>
[GrainType("owf.upstream")]
public sealed partial class UpstreamGrain(
    [PersistentState("upstream", WorkflowStorage.Name)] IPersistentState<UpstreamGrainState> state,
    TimeProvider time,
    ILogger<UpstreamGrain> logger) : Grain, IUpstreamGrain
{
    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(1);
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;
    private IGrainTimer? _flush;
    private bool _dirty;

    private UpstreamGrainState S => state.State;

    public async Task SucceededAsync(string runId, DateTimeOffset at)
    {
        if (S.LastSuccessAt is { } last && last >= at)
        {
            return;
        }

        S.LastSuccessAt = at;
        S.LastRunId = runId;
        if (S.NeededBy.Count == 0 && S.Watchers.Count == 0)
        {
            return; // nobody needs this task: remembered while active, never written
        }

        _dirty = true;
        if (S.Watchers.Count > 0)
        {
            var watchers = S.Watchers.ToList();
            S.Watchers.Clear();
            await WriteAsync();
            foreach (var watcher in watchers)
            {
                var slash = watcher.LastIndexOf('/');
                GrainFactory.GetGrain<IRunGrain>(watcher[..slash]).UpstreamSucceededAsync(watcher[(slash + 1)..]).Ignore();
            }

            return;
        }

        if (time.GetUtcNow() - _lastWrite >= WriteEvery)
        {
            await WriteAsync();
        }
        else
        {
            _flush ??= this.RegisterGrainTimer(
                async () =>
                {
                    _flush?.Dispose();
                    _flush = null;
                    await WriteAsync();
                },
                new GrainTimerCreationOptions(WriteEvery, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    public async Task<UpstreamFreshness> CheckAsync(UpstreamCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (S.LastSuccessAt is { } last && time.GetUtcNow() - last <= check.Within)
        {
            return new UpstreamFreshness(true, last, S.LastRunId);
        }

        var watcher = $"{check.RunId}/{check.Task}";
        if (!S.Watchers.Contains(watcher))
        {
            S.Watchers.Add(watcher);
            await WriteAsync();
        }

        return new UpstreamFreshness(false, S.LastSuccessAt, S.LastRunId);
    }

    public async Task DeclareAsync(string playbook, bool needs)
    {
        if (needs ? !S.NeededBy.Contains(playbook) : S.NeededBy.Contains(playbook))
        {
            if (needs)
            {
                S.NeededBy.Add(playbook);
            }
            else
            {
                S.NeededBy.Remove(playbook);
            }

            await WriteAsync(); // with any success remembered meanwhile
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                FlushFailed(logger, this.GetPrimaryKeyString(), ex);
            }
        }
    }

    public async Task ForgetAsync(string runId, string task)
    {
        if (S.Watchers.Remove($"{runId}/{task}"))
        {
            await WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        _lastWrite = time.GetUtcNow();
        _dirty = false;
        await state.WriteAsync(this, logger);
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Upstream {Upstream}: its last success could not be written on deactivation")]
    private static partial void FlushFailed(ILogger logger, string upstream, Exception exception);
}
