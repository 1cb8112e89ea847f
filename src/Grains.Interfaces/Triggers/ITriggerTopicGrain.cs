using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// Who starts on what: keyed <c>event:{name}</c> (the playbooks whose <c>on.events</c> names the event) or
/// <c>after:{playbook}</c> (the playbooks whose <c>on.after</c> follows that playbook). The playbook grain keeps
/// the subscriptions in step with its current version.
/// </summary>
[Alias("owf.ITriggerTopicGrain")]
public interface ITriggerTopicGrain : IGrainWithStringKey
{
    /// <summary>Starts <paramref name="playbook"/> on this topic; for <c>after:</c> only when the run ended in one of <paramref name="statuses"/>.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(string playbook, IReadOnlyList<string> statuses);

    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(string playbook);

    /// <summary>
    /// Starts a run of every subscribed playbook, keyed by the message id so a repeat starts nothing new; answers
    /// what happened for each.
    /// </summary>
    [Alias("Publish")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<TriggeredRun>> PublishAsync(TopicMessage message);

    [Alias("ListSubscribers")]
    Task<IReadOnlyList<string>> ListSubscribersAsync();
}

/// <summary>
/// A message on a topic. <see cref="Id"/> makes it idempotent (run ids of the runs it starts are made from it).
/// <see cref="Status"/>: for <c>after:</c>, how the upstream run ended. <see cref="PayloadJson"/> becomes
/// <c>run.trigger.event</c>.
/// </summary>
[GenerateSerializer]
[Alias("owf.TopicMessage")]
public sealed record TopicMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string PayloadJson,
    [property: Id(2)] string? Status = null);

/// <summary>For one subscribed playbook: the run a message started (or found), or why it started none.</summary>
[GenerateSerializer]
[Alias("owf.TriggeredRun")]
public sealed record TriggeredRun(
    [property: Id(0)] string Playbook,
    [property: Id(1)] string RunId,
    [property: Id(2)] bool Started,
    [property: Id(3)] bool AlreadyExisted,
    [property: Id(4)] IReadOnlyList<string> Errors);

/// <summary>The keys of the topic grains.</summary>
public static class TriggerTopicNames
{
    public const string EventPrefix = "event:";
    public const string AfterPrefix = "after:";

    /// <summary>The topic of a named event (<c>on.events</c>).</summary>
    public static string Event(string name) => EventPrefix + name;

    /// <summary>The topic of a playbook's ended runs (<c>on.after</c>).</summary>
    public static string After(string playbook) => AfterPrefix + playbook;
}
