using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>Persisted state of a playbook's admission: the runs holding a slot, and those waiting, in arrival order.</summary>
[GenerateSerializer]
[Alias("owf.AdmissionGrainState")]
public sealed class AdmissionGrainState
{
    [Id(0)]
    public List<string> Active { get; set; } = [];

    [Id(1)]
    public List<WaitingRun> Waiting { get; set; } = [];
}

/// <summary>A run waiting for a slot; <see cref="AfterPrevious"/>: it also waits until no run is active (<c>overlap: queue</c>).</summary>
[GenerateSerializer]
[Alias("owf.WaitingRun")]
public sealed record WaitingRun(
    [property: Id(0)] string RunId,
    [property: Id(1)] int? Limit,
    [property: Id(2)] bool AfterPrevious);

/// <summary>
/// Admits the runs of one playbook: at most <c>concurrency</c> active across the cluster, the others waiting in
/// arrival order (strictly: a run never passes one that arrived before it). A waiting run is told one-way when
/// its turn comes (it also asks again after a restart). A run that ended without saying so is found by a check of
/// the active runs' status every few seconds, so a lost release never holds a slot for good.
/// </summary>
[GrainType("owf.admission")]
public sealed partial class AdmissionGrain(
    [PersistentState("admission", WorkflowStorage.Name)] IPersistentState<AdmissionGrainState> state,
    IOptions<WorkflowOptions> options,
    ILogger<AdmissionGrain> logger) : Grain, IAdmissionGrain
{
    private static readonly TimeSpan CheckLimit = TimeSpan.FromSeconds(5);
    private IGrainTimer? _check;

    private AdmissionGrainState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Active.Count > 0 || S.Waiting.Count > 0)
        {
            StartCheck();
        }

        return Task.CompletedTask;
    }

    public async Task<Admission> AdmitAsync(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var playbook = this.GetPrimaryKeyString();
        if (S.Active.Contains(request.RunId))
        {
            return new Admission(AdmissionDecision.Admitted, "admitted");
        }

        var place = S.Waiting.FindIndex(w => w.RunId == request.RunId);
        if (place >= 0)
        {
            return Waiting(S.Waiting[place], place);
        }

        if (request.Overlap == AdmissionOverlap.Skip && S.Active.Count > 0)
        {
            return new Admission(AdmissionDecision.Skipped, $"overlap skip: run {S.Active[0]} of {playbook} is still active");
        }

        var entry = new WaitingRun(request.RunId, request.Limit, request.Overlap == AdmissionOverlap.Queue);
        if (S.Waiting.Count == 0 && CanStart(entry))
        {
            S.Active.Add(request.RunId);
            await state.WriteAsync(this, logger);
            StartCheck();
            return new Admission(AdmissionDecision.Admitted, "admitted");
        }

        S.Waiting.Add(entry);
        await state.WriteAsync(this, logger);
        StartCheck();
        return Waiting(entry, S.Waiting.Count - 1);
    }

    public async Task ReleaseAsync(string runId)
    {
        var changed = S.Active.Remove(runId) | S.Waiting.RemoveAll(w => w.RunId == runId) > 0;
        if (changed)
        {
            await PromoteAsync();
        }
    }

    public Task<AdmissionState> GetStateAsync() =>
        Task.FromResult(new AdmissionState([.. S.Active], [.. S.Waiting.Select(w => w.RunId)]));

    // Gives free slots to the waiting runs at the head of the line, then tells them.
    private async Task PromoteAsync()
    {
        var admitted = new List<string>();
        while (S.Waiting.Count > 0 && CanStart(S.Waiting[0]))
        {
            var next = S.Waiting[0];
            S.Waiting.RemoveAt(0);
            S.Active.Add(next.RunId);
            admitted.Add(next.RunId);
        }

        await state.WriteAsync(this, logger);
        var playbook = this.GetPrimaryKeyString();
        foreach (var runId in admitted)
        {
            Admitted(logger, playbook, runId);
            GrainFactory.GetGrain<IRunGrain>(runId).AdmittedAsync().Ignore();
        }
    }

    private bool CanStart(WaitingRun run) =>
        S.Active.Count < (run.Limit ?? int.MaxValue) && (!run.AfterPrevious || S.Active.Count == 0);

    private Admission Waiting(WaitingRun run, int place)
    {
        var why = run.AfterPrevious && S.Active.Count > 0
            ? $"overlap queue: waits for run {S.Active[0]} to end"
            : $"waits for a concurrency slot ({S.Active.Count} of {run.Limit} active)";
        return new Admission(AdmissionDecision.Waiting, place == 0 ? $"{why}; next in line" : $"{why}; {place} ahead of it");
    }

    private void StartCheck()
    {
        var period = options.Value.ResendInterval;
        _check ??= this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    // The backstop for a lost release: an active run that has ended (or never was) gives its slot back, and an
    // admitted run that missed its one-way notice is told again. Only active runs are asked, all at once, each with
    // a short limit (a run on a dead silo must not hold up admissions); a waiting run that ended is dropped when its
    // turn comes and it, too, is found ended.
    private async Task CheckAsync()
    {
        if (S.Active.Count == 0 && S.Waiting.Count == 0)
        {
            _check?.Dispose();
            _check = null;
            return;
        }

        var active = S.Active.ToList();
        var statuses = await Task.WhenAll(active.Select(async runId =>
        {
            try
            {
                return (runId, Known: true, Status: await GrainFactory.GetGrain<IRunGrain>(runId).GetStatusAsync().WaitAsync(CheckLimit));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CheckFailed(logger, runId, ex); // unreachable for now: check again next time
                return (runId, Known: false, Status: (WorkStatus?)null);
            }
        }));

        var gone = new List<string>();
        foreach (var (runId, known, status) in statuses.Where(s => s.Known))
        {
            if (status is null || status.Value.IsFinal())
            {
                gone.Add(runId);
            }
            else if (status == WorkStatus.Pending)
            {
                GrainFactory.GetGrain<IRunGrain>(runId).AdmittedAsync().Ignore();
            }
        }

        if (gone.Count > 0)
        {
            S.Active.RemoveAll(gone.Contains);
            await PromoteAsync();
        }
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Playbook {Playbook}: run {RunId} admitted")]
    private static partial void Admitted(ILogger logger, string playbook, string runId);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Debug, Message = "Admission check of run {RunId} failed")]
    private static partial void CheckFailed(ILogger logger, string runId, Exception exception);
}
