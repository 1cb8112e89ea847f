using Orleans.Concurrency;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// The freshness of one task of one playbook (keyed <c>{playbook}/{task}</c>): when it last succeeded, and the
/// tasks of other playbooks waiting for a success recent enough (cross-playbook <c>needs</c>). A waiting task is
/// told when the upstream succeeds; nothing polls.
/// </summary>
[Alias("owf.IUpstreamGrain")]
public interface IUpstreamGrain : IGrainWithStringKey
{
    /// <summary>The task succeeded in a run; tells every waiting task. One-way: a run never waits on it.</summary>
    [Alias("Succeeded")]
    [OneWay]
    Task SucceededAsync(string runId, DateTimeOffset at);

    /// <summary>
    /// The last success; when it is older than <see cref="UpstreamCheck.Within"/> the asking task is remembered and
    /// told (<c>IRunGrain.UpstreamSucceededAsync</c>) at the next success.
    /// </summary>
    [Alias("Check")]
    Task<UpstreamFreshness> CheckAsync(UpstreamCheck check);

    /// <summary>
    /// <paramref name="playbook"/> has (or, <paramref name="needs"/> false, no longer has) a task that needs this one:
    /// only then are this task's successes written to storage (else they are only remembered while active).
    /// </summary>
    [Alias("Declare")]
    Task DeclareAsync(string playbook, bool needs);

    /// <summary>The task no longer waits (it failed as stale, or its run ended).</summary>
    [Alias("Forget")]
    Task ForgetAsync(string runId, string task);
}

[GenerateSerializer]
[Alias("owf.UpstreamCheck")]
public sealed record UpstreamCheck(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Task,
    [property: Id(2)] TimeSpan Within);

[GenerateSerializer]
[Alias("owf.UpstreamFreshness")]
public sealed record UpstreamFreshness(
    [property: Id(0)] bool Fresh,
    [property: Id(1)] DateTimeOffset? LastSuccessAt,
    [property: Id(2)] string? LastRunId);
