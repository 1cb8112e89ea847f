using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>Persisted state of a topic: each subscribed playbook and, for <c>after:</c>, the statuses it follows.</summary>
[GenerateSerializer]
[Alias("owf.TriggerTopicGrainState")]
public sealed class TriggerTopicGrainState
{
    [Id(0)]
    public Dictionary<string, List<string>> Subscribers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// An event name or an upstream playbook, and the playbooks it starts. A message starts one run per subscriber,
/// with an id made of the subscriber and the message id, so publishing the same message again starts nothing new.
/// </summary>
[GrainType("owf.trigger-topic")]
public sealed partial class TriggerTopicGrain(
    [PersistentState("topic", WorkflowStorage.Name)] IPersistentState<TriggerTopicGrainState> state,
    ILogger<TriggerTopicGrain> logger) : Grain, ITriggerTopicGrain
{
    public async Task SubscribeAsync(string playbook, IReadOnlyList<string> statuses)
    {
        if (state.State.Subscribers.TryGetValue(playbook, out var current) && current.SequenceEqual(statuses))
        {
            return;
        }

        state.State.Subscribers[playbook] = [.. statuses];
        await state.WriteAsync(this, logger);
    }

    public async Task UnsubscribeAsync(string playbook)
    {
        if (state.State.Subscribers.Remove(playbook))
        {
            await state.WriteAsync(this, logger);
        }
    }

    public Task<IReadOnlyList<string>> ListSubscribersAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Subscribers.Keys.Order(StringComparer.Ordinal)]);

    public async Task<IReadOnlyList<TriggeredRun>> PublishAsync(TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var key = this.GetPrimaryKeyString();
        var after = key.StartsWith(TriggerTopicNames.AfterPrefix, StringComparison.Ordinal);
        var name = key[(after ? TriggerTopicNames.AfterPrefix.Length : TriggerTopicNames.EventPrefix.Length)..];
        // Interleaved (it only reads the subscribers, and each start is idempotent by run id): a run's end never waits
        // behind another's; the subscribers start side by side.
        var starts = state.State.Subscribers
            .Where(s => !after || s.Value.Contains(message.Status ?? string.Empty))
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => s.Key)
            .ToList()
            .Select(async playbook =>
            {
                var runId = RunIdOf(playbook, after ? "after" : "ev", message.Id);
                var trigger = new TriggerInfo(after ? TriggerKind.After : TriggerKind.Event, EventJson: message.PayloadJson, Name: name, EventId: message.Id);
                var started = await GrainFactory.GetGrain<IRunGrain>(runId).StartAsync(new StartRunRequest(playbook, null, "{}", trigger));
                if (started.Started)
                {
                    Started(logger, key, message.Id, playbook, runId);
                }
                else if (!started.AlreadyExisted)
                {
                    Refused(logger, key, message.Id, playbook, string.Join("; ", started.Errors));
                }

                return new TriggeredRun(playbook, runId, started.Started, started.AlreadyExisted, started.Errors);
            });
        IReadOnlyList<TriggeredRun> results = await Task.WhenAll(starts);
        return results;
    }

    /// <summary>
    /// The run a message starts for a subscriber: <c>{playbook}-{kind}-{message id}</c>, cut to the 200 characters
    /// a run id may have (a longer one keeps its first 150 and a hash of the whole).
    /// </summary>
    public static string RunIdOf(string playbook, string kind, string messageId)
    {
        var id = $"{playbook}-{kind}-{messageId}";
        if (id.Length <= 200)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..16];
        return $"{id[..150]}-{hash}";
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "{Topic} message {MessageId} started {Playbook} as run {RunId}")]
    private static partial void Started(ILogger logger, string topic, string messageId, string playbook, string runId);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "{Topic} message {MessageId} did not start {Playbook}: {Error}")]
    private static partial void Refused(ILogger logger, string topic, string messageId, string playbook, string error);
}
