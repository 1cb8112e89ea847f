using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Workflow.Events;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Client;

/// <summary>
/// The .NET client of a workflow cluster: register playbooks, start runs (idempotently), read snapshots,
/// wait for runs and watch their events. Works on any <see cref="IClusterClient"/>, in or out of a silo.
/// </summary>
public sealed class WorkflowClient(IClusterClient cluster)
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(20);

    /// <summary>Registers a playbook; the answer is its version (the same content registers as a no-op).</summary>
    /// <exception cref="PlaybookInvalidException">It does not validate; every error is listed.</exception>
    public async Task<string> RegisterPlaybookAsync(string name, string yaml, string file)
    {
        var result = await cluster.GetGrain<IPlaybookGrain>(name).RegisterAsync(yaml, file);
        return result.Version ?? throw new PlaybookInvalidException(result.Errors);
    }

    /// <summary>Every registered playbook's name, in order.</summary>
    public Task<IReadOnlyList<string>> ListPlaybooksAsync() => cluster.GetGrain<IPlaybookCatalogGrain>(0).ListAsync();

    /// <summary>A playbook at a glance (current version, how many, enabled), or null if it is not registered.</summary>
    public Task<PlaybookInfo?> GetPlaybookAsync(string name) => cluster.GetGrain<IPlaybookGrain>(name).GetInfoAsync();

    /// <summary>Every version of a playbook, numbered from 1 in the order they were registered.</summary>
    public Task<IReadOnlyList<PlaybookVersionInfo>> ListVersionsAsync(string name) => cluster.GetGrain<IPlaybookGrain>(name).ListVersionsAsync();

    /// <summary>The YAML of a version (a content hash, a unique prefix of one, or a number from <see cref="ListVersionsAsync"/>); null for the current one.</summary>
    public async Task<PlaybookSource?> GetPlaybookSourceAsync(string name, string? version = null)
    {
        var grain = cluster.GetGrain<IPlaybookGrain>(name);
        if (version is null)
        {
            return await grain.GetSourceAsync(null);
        }

        var versions = await grain.ListVersionsAsync();
        var match = int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? versions.Where(v => v.Number == number).ToList()
            : versions.Where(v => v.Version.StartsWith(version, StringComparison.OrdinalIgnoreCase)).ToList();
        return match.Count == 1 ? await grain.GetSourceAsync(match[0].Version) : null;
    }

    /// <summary>Enables or disables a playbook (a disabled one starts no runs); answers what happened.</summary>
    public Task<ControlResult> SetPlaybookEnabledAsync(string name, bool enabled, string? reason = null) =>
        cluster.GetGrain<IPlaybookGrain>(name).SetEnabledAsync(enabled, reason);

    /// <summary>Starts a run of <paramref name="playbook"/>; params are coerced to their types (text is fine).</summary>
    /// <exception cref="RunNotStartedException">The playbook is unknown or the params are wrong.</exception>
    public async Task<string> StartRunAsync(string playbook, JsonObject? parameters = null, StartRunOptions? options = null)
    {
        options ??= new StartRunOptions();
        var runId = options.RunId ?? NewRunId();
        var result = await cluster.GetGrain<IRunGrain>(runId).StartAsync(new StartRunRequest(
            playbook,
            options.Version,
            (parameters ?? []).ToJsonString(),
            TriggerInfo.Manual,
            options.Timeout));
        if (!result.Started && !result.AlreadyExisted)
        {
            throw new RunNotStartedException(result.Errors);
        }

        return runId;
    }

    public async Task<RunSnapshot> GetSnapshotAsync(string runId) =>
        await cluster.GetGrain<IRunGrain>(runId).GetSnapshotAsync() ?? throw new RunNotFoundException(runId);

    /// <summary>Waits until the run has ended and answers its final snapshot.</summary>
    public async Task<RunSnapshot> WaitForEndAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = cluster.GetGrain<IRunGrain>(runId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = await run.WaitForEndAsync(WaitSlice).WaitAsync(cancellationToken) ?? throw new RunNotFoundException(runId);
            if (status.IsFinal())
            {
                return await GetSnapshotAsync(runId);
            }
        }
    }

    /// <summary>
    /// Subscribes to the run's events; the subscription is in place when this completes, so start the run
    /// after it to see every event. The events end when the run ends.
    /// </summary>
    public async Task<RunWatch> WatchAsync(string runId)
    {
        var channel = Channel.CreateUnbounded<RunEvent>();
        var stream = cluster.GetStreamProvider(RunEvent.StreamProvider).GetStream<RunEvent>(StreamId.Create(RunEvent.StreamNamespace, runId));
        var handle = await stream.SubscribeAsync((item, _) =>
        {
            channel.Writer.TryWrite(item);
            if (item.Kind is RunEventKind.RunSucceeded or RunEventKind.RunFailed or RunEventKind.RunCancelled or RunEventKind.RunTimedOut or RunEventKind.RunSkipped)
            {
                channel.Writer.TryComplete();
            }

            return Task.CompletedTask;
        });
        return new RunWatch(channel.Reader, handle);
    }

    /// <summary>
    /// Runs, newest first, filtered by playbook, status and start time; derived from the run history, so a run
    /// shows up (and changes status) within about a second of the event.
    /// </summary>
    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery? query = null) =>
        cluster.GetGrain<IRunListGrain>(0).ListAsync(query ?? new RunQuery());

    /// <summary>
    /// A run's stored event history, oldest first: at most <paramref name="limit"/> events after position
    /// <paramref name="after"/> (pass the last one's <see cref="StoredRunEvent.Position"/> to read on). On PostgreSQL
    /// it is the <c>owf_run_events</c> table; on the embedded default it lives as long as the process.
    /// </summary>
    public Task<IReadOnlyList<StoredRunEvent>> GetHistoryAsync(string runId, long after = 0, int limit = 1000) =>
        cluster.GetGrain<IRunHistoryGrain>(runId).ReadAsync(after, limit);

    /// <summary>
    /// Retries an ended run as its next attempt (same id): succeeded tasks keep their outputs, the others run again;
    /// or, with <see cref="RetryRun.Task"/>, that task and its downstream. Answers whether it started and why not.
    /// </summary>
    public Task<RetryRunResult> RetryAsync(string runId, RetryRun? request = null) =>
        cluster.GetGrain<IRunGrain>(runId).RetryAsync(request ?? new RetryRun());

    /// <summary>Pauses a run (nothing new starts; running steps finish); answers what happened.</summary>
    public Task<ControlResult> PauseAsync(string runId, string reason) => cluster.GetGrain<IRunGrain>(runId).PauseAsync(reason);

    /// <summary>Resumes a paused run where it stopped; answers what happened.</summary>
    public Task<ControlResult> ResumeAsync(string runId) => cluster.GetGrain<IRunGrain>(runId).ResumeAsync();

    public Task<ControlResult> CancelAsync(string runId, string reason) => cluster.GetGrain<IRunGrain>(runId).CancelAsync(reason);

    public Task<ControlResult> SignalAsync(string runId, string name, string payloadJson) =>
        cluster.GetGrain<IRunGrain>(runId).SignalAsync(name, payloadJson);

    /// <summary>The schedules (<c>on.schedule</c> entries) of one playbook, or of every registered playbook.</summary>
    public async Task<IReadOnlyList<ScheduleInfo>> ListSchedulesAsync(string? playbook = null)
    {
        var names = playbook is null ? await ListPlaybooksAsync() : [playbook];
        var schedules = new List<ScheduleInfo>();
        foreach (var name in names)
        {
            schedules.AddRange(await cluster.GetGrain<IPlaybookGrain>(name).ListSchedulesAsync());
        }

        return schedules;
    }

    /// <summary>
    /// Starts the run of a tick of a playbook's schedule entry now (the tick is now, to the second), by the entry's
    /// <c>overlap</c> rule; throws <see cref="RunNotStartedException"/> when the playbook has no such entry or refuses.
    /// </summary>
    public async Task<string> TriggerScheduleAsync(string playbook, int index = 0)
    {
        var schedules = await cluster.GetGrain<IPlaybookGrain>(playbook).ListSchedulesAsync();
        if (!schedules.Any(s => s.Index == index))
        {
            throw new RunNotStartedException([schedules.Count == 0
                ? $"playbook '{playbook}' has no schedule"
                : $"playbook '{playbook}' has no schedule {index} (it has {string.Join(", ", schedules.Select(s => s.Index))})"]);
        }

        var result = await cluster.GetGrain<IScheduleGrain>(TriggerKeys.Schedule(playbook, index)).TriggerNowAsync();
        if (!result.Started && !result.AlreadyExisted)
        {
            throw new RunNotStartedException(result.Errors);
        }

        return result.RunId;
    }

    /// <summary>
    /// Publishes a named event: every enabled playbook whose <c>on.events</c> names it starts a run with the payload
    /// in <c>run.trigger.event</c>. <paramref name="eventId"/> makes it idempotent (publishing the same id again starts
    /// nothing new; a new id is made when none is given). Answers, for each playbook, the run or why none started.
    /// </summary>
    public Task<IReadOnlyList<TriggeredRun>> PublishEventAsync(string name, JsonNode? payload = null, string? eventId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var id = eventId ?? NewRunId();
        if (!TriggerKeys.IsValidEventId(id))
        {
            throw new ArgumentException($"event id '{id}' is invalid: use letters, digits, '.', '_' or '-', at most 100 characters", nameof(eventId));
        }

        return cluster.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.Event(name)).PublishAsync(new TopicMessage(id, payload?.ToJsonString() ?? "null"));
    }

    /// <summary>The playbooks started by <paramref name="name"/> (their <c>on.events</c> names it).</summary>
    public Task<IReadOnlyList<string>> ListEventSubscribersAsync(string name) =>
        cluster.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.Event(name)).ListSubscribersAsync();

    /// <summary>A new run id: time-ordered, 26 characters.</summary>
    public static string NewRunId() =>
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..14];
}
