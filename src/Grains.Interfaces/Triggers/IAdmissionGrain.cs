using Orleans.Concurrency;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// The active runs of one playbook across the cluster (keyed by playbook name), for <c>concurrency</c> and a
/// schedule's <c>overlap</c>: a run is admitted, waits in arrival order, or (overlap <c>skip</c>) is skipped. Runs of
/// playbooks with neither never come here.
/// </summary>
[Alias("owf.IAdmissionGrain")]
public interface IAdmissionGrain : IGrainWithStringKey
{
    /// <summary>Asks to start; idempotent (an admitted run is told so again, a waiting one its place).</summary>
    [Alias("Admit")]
    Task<Admission> AdmitAsync(AdmissionRequest request);

    /// <summary>The run ended (or no longer waits): its slot goes to the next waiting run. Idempotent.</summary>
    [Alias("Release")]
    Task ReleaseAsync(string runId);

    [Alias("GetState")]
    [AlwaysInterleave]
    Task<AdmissionState> GetStateAsync();
}

/// <summary>
/// <see cref="Limit"/>: the playbook's <c>concurrency</c> (null: no limit). <see cref="Overlap"/>: a scheduled
/// run's rule when another run of the playbook is active.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("owf.AdmissionRequest")]
public sealed record AdmissionRequest(
    [property: Id(0)] string RunId,
    [property: Id(1)] int? Limit,
    [property: Id(2)] AdmissionOverlap Overlap);

/// <summary>A schedule's <c>overlap</c> as admission applies it (the playbook model's <c>OverlapPolicy</c> on the wire).</summary>
[GenerateSerializer]
[Alias("owf.AdmissionOverlap")]
public enum AdmissionOverlap
{
    /// <summary>Runs beside the active ones (within <c>concurrency</c>).</summary>
    Allow = 0,

    /// <summary>Skipped while another run is active.</summary>
    Skip = 1,

    /// <summary>Waits until the active runs have ended.</summary>
    Queue = 2,
}

public enum AdmissionDecision
{
    Admitted = 0,
    Waiting = 1,
    Skipped = 2,
}

[GenerateSerializer]
[Alias("owf.Admission")]
public sealed record Admission(
    [property: Id(0)] AdmissionDecision Decision,
    [property: Id(1)] string Message);

[GenerateSerializer]
[Alias("owf.AdmissionState")]
public sealed record AdmissionState(
    [property: Id(0)] IReadOnlyList<string> Active,
    [property: Id(1)] IReadOnlyList<string> Waiting);
