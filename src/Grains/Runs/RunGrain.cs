using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Params;
using Orleans.Workflow.Playbooks.Planning;
using Orleans.Workflow.Playbooks.Runs;
using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Runs;

/// <summary>
/// One run: pins a playbook version, settles params, and after every change asks the planner which tasks
/// are ready or skipped. Its life (admission, pause, stop, end) is <see cref="RunMachine"/>'s: the grain loads,
/// applies a transition, persists, then carries out its effects. Writes its state before it sends a task
/// anything; polls its tasks as a backstop for lost reports; ends with outputs and, on failure, the root cause.
/// Files: tasks (RunGrain.Tasks.cs), the end (End), signals (Signals), retry (Retry), snapshot (Snapshot),
/// admission, cross-playbook needs and followers (Triggers).
/// </summary>
[GrainType("owf.run")]
public sealed partial class RunGrain(
    [PersistentState("run", WorkflowStorage.Name)] IPersistentState<RunGrainState> state,
    PlaybookCache playbooks,
    RunEventPublisher events,
    IActiveRunIndex activeRuns,
    IOptions<WorkflowOptions> options,
    TimeProvider time,
    ILogger<RunGrain> logger) : Grain, IRunGrain
{
    private readonly List<TaskCompletionSource> _waiters = [];
    private IGrainTimer? _poll;
    private IGrainTimer? _deadline;
    private IGrainTimer? _announce;
    private IGrainTimer? _upstreamTimer;
    private bool _recheckUpstream = true;
    private RunGrainState S => state.State;

    private string RunId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Request is not null && S.Life.Phase != RunPhase.Ended)
        {
            // Activated again (after a deactivation, or on another silo after a crash): check the tasks soon.
            StartTimers(firstPoll: TimeSpan.FromSeconds(1));
        }

        return Task.CompletedTask;
    }

    public Task WakeAsync() => Task.CompletedTask; // activation is the point: OnActivateAsync wakes the run

    public Task<WorkStatus?> GetStatusAsync() => Task.FromResult(S.Request is null ? (WorkStatus?)null : S.Status);

    public async Task<StartRunResult> StartAsync(StartRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await StartOnceAsync(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await ForgetUnsavedAsync();
            throw;
        }
    }

    public async Task<RetryRunResult> RetryAsync(RetryRun request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await RetryOnceAsync(request);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await ForgetUnsavedAsync();
            throw;
        }
    }

    // A start or retry that failed half-way (the admission grain or the index unreachable) must not leave a run that
    // exists only in this activation's memory: the next start would find it and do nothing. The activation is
    // dropped and the stored state read back, so a repeat of the call starts from what is stored.
    private async Task ForgetUnsavedAsync()
    {
        DeactivateOnIdle();
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            state.State = new RunGrainState(); // unreadable now: the deactivation drops it anyway
        }
    }

    private async Task<StartRunResult> StartOnceAsync(StartRunRequest request)
    {
        if (S.Request is not null)
        {
            return new StartRunResult(RunId, false, true, []);
        }

        if (!GrainKeys.IsValidRunId(RunId))
        {
            return Refused($"run id '{RunId}' is invalid: use letters, digits, '.', '_' or '-', at most 200 characters");
        }

        var source = await GrainFactory.GetGrain<IPlaybookGrain>(request.Playbook).GetSourceAsync(request.Version);
        if (source is null)
        {
            return Refused(request.Version is null
                ? $"playbook '{request.Playbook}' is not registered"
                : $"playbook '{request.Playbook}' has no version {request.Version}");
        }

        if (!source.Enabled)
        {
            return Refused($"playbook '{request.Playbook}' is disabled, so it starts no runs (enable it: owf playbooks enable {request.Playbook})");
        }

        var playbook = await playbooks.GetAsync(source.Name, source.Version);
        var now = time.GetUtcNow();
        var run = RunObject(request, playbook, now);
        Dictionary<string, JsonNode?> given;
        try
        {
            given = (JsonNode.Parse(request.ParamsJson) as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            return Refused($"params are not a JSON object: {ex.Message}");
        }

        if (request.Trigger.Kind == TriggerKind.Event && ScopeData.ParseOrNull(request.Trigger.EventJson) is JsonObject payload)
        {
            // An event's object payload supplies the params it names (other keys are only in run.trigger.event).
            foreach (var param in playbook.Params.Where(p => payload.ContainsKey(p.Name) && !given.ContainsKey(p.Name)))
            {
                given[param.Name] = payload[param.Name]?.DeepClone();
            }
        }

        var resolved = ParamResolver.Resolve(playbook, given, run);
        if (!resolved.IsValid)
        {
            return new StartRunResult(RunId, false, false, [.. resolved.Errors.Select(e => e.Message)]);
        }

        S.Request = request;
        S.Playbook = playbook.Name;
        S.Version = playbook.Version;
        S.Owner = playbook.Owner;
        S.ParamsJson = resolved.Values.ToJsonString();
        S.RunJson = run.ToJsonString();
        S.StartedAt = now;
        var timeout = request.Timeout ?? playbook.Timeout;
        S.Deadline = timeout is { } limit ? now + limit : null;
        Publish(RunEventKind.RunStarted, null, $"{playbook.Name} {ContentHash.Short(playbook.Version)} ({request.Trigger.Kind.Name()})",
            new JsonObject { ["playbook"] = playbook.Name, ["version"] = playbook.Version, ["trigger"] = RunTrigger.Of(request.Trigger).ToJson(), ["logical_date"] = run["logical_date"]?.DeepClone() }.ToJsonString());
        if (!await StartLifeAsync(playbook, request.Trigger))
        {
            return new StartRunResult(RunId, true, false, []); // skipped by overlap: ended already
        }

        // Indexed before its state is first written: a cluster that loses this silo finds the run again.
        await activeRuns.AddAsync(RunId, CancellationToken.None);
        await AdvanceAsync(playbook);
        if (!S.Status.IsFinal())
        {
            StartTimers();
        }

        return new StartRunResult(RunId, true, false, []);
    }

    public async Task<ControlResult> CancelAsync(string reason)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        if (S.Status.IsFinal())
        {
            return ControlResult.No($"run {RunId} already {S.Status.Name()}");
        }

        await StopAsync(StopCause.Cancelled, reason);
        return ControlResult.Done($"run {RunId} cancelled");
    }

    public async Task<ControlResult> PauseAsync(string reason)
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        var pause = RunMachine.Pause(S.Life);
        if (pause.Refused)
        {
            return ControlResult.No(pause.Refusal switch
            {
                "already paused" => $"run {RunId} is already paused",
                "stopping" => $"run {RunId} is stopping ({S.Life.StopReason}); there is nothing to pause",
                _ => $"run {RunId} already {S.Status.Name()}; there is nothing to pause",
            });
        }

        Apply(pause.Life);
        await state.WriteAsync(this, logger);
        Publish(RunEventKind.RunPaused, null, reason);
        await TellTasksAsync(pause: true);
        return ControlResult.Done($"run {RunId} paused: nothing new starts; running steps finish");
    }

    public async Task<ControlResult> ResumeAsync()
    {
        if (S.Request is null)
        {
            return ControlResult.Missing($"run {RunId} does not exist");
        }

        var resume = RunMachine.Resume(S.Life);
        if (resume.Refused)
        {
            return ControlResult.No(resume.Refusal == "ended"
                ? $"run {RunId} already {S.Status.Name()}; there is nothing to resume"
                : $"run {RunId} is not paused");
        }

        Apply(resume.Life);
        Publish(RunEventKind.RunResumed, null, null);
        await AdvanceAsync(await playbooks.GetAsync(S.Playbook, S.Version));
        await TellTasksAsync(pause: false);
        return ControlResult.Done($"run {RunId} resumed");
    }

    // The life's phase decides the status while the run is not over; stopping keeps the status it had.
    private void Apply(RunLife life)
    {
        S.Life = life;
        S.Status = life.Phase switch
        {
            RunPhase.Admitting => WorkStatus.Pending,
            RunPhase.Running => WorkStatus.Running,
            RunPhase.Paused => WorkStatus.Paused,
            _ => S.Status,
        };
    }

    private RunTaskRecord Get(string taskId)
    {
        if (!S.Tasks.TryGetValue(taskId, out var record))
        {
            S.Tasks[taskId] = record = new RunTaskRecord();
        }

        return record;
    }

    private ITaskGrain TaskGrainOf(string taskId, int attempt) => GrainFactory.GetGrain<ITaskGrain>(GrainKeys.Task(GrainKeys.Execution(RunId, attempt), taskId));

    private StartRunResult Refused(string error) => new(RunId, false, false, [error]);

    private void Publish(RunEventKind kind, string? task, string? message, string? dataJson = null) =>
        events.Publish(new RunEvent($"{GrainKeys.Execution(RunId, S.Attempt)}#{task}#{kind}", RunId, kind, time.GetUtcNow(), task, Message: message, Owner: S.Owner, DataJson: dataJson));

    private static TaskState ToTaskState(WorkStatus status) => status switch
    {
        WorkStatus.Succeeded => TaskState.Succeeded,
        WorkStatus.Failed => TaskState.Failed,
        WorkStatus.Skipped => TaskState.Skipped,
        WorkStatus.Cancelled => TaskState.Cancelled,
        WorkStatus.TimedOut => TaskState.TimedOut,
        WorkStatus.Queued => TaskState.Queued,
        WorkStatus.Running => TaskState.Running,
        _ => TaskState.Pending,
    };
}
