using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Registry;

/// <summary>A playbook by name: validates and stores content-addressed versions.</summary>
[GrainType("owf.playbook")]
public sealed class PlaybookGrain(
    [PersistentState("playbook", WorkflowStorage.Name)] IPersistentState<PlaybookGrainState> state,
    PlaybookCache cache,
    TimeProvider time,
    ILogger<PlaybookGrain> logger) : Grain, IPlaybookGrain
{
    public async Task<RegisterPlaybookResult> RegisterAsync(string yaml, string file)
    {
        var loaded = PlaybookLoader.Load(yaml, file, cache.ValidationOptions());
        if (!loaded.IsValid)
        {
            return new RegisterPlaybookResult(null, false, [.. loaded.Diagnostics.Select(d => d.ToString())]);
        }

        var playbook = loaded.Playbook!;
        var name = this.GetPrimaryKeyString();
        if (playbook.Name != name)
        {
            return new RegisterPlaybookResult(null, false, [$"{file}: playbook is named '{playbook.Name}', not '{name}'"]);
        }

        if (state.State.Versions.ContainsKey(playbook.Version) && state.State.Current == playbook.Version)
        {
            await SyncTriggersAsync(playbook); // a no-op unless an earlier sync was cut short
            return new RegisterPlaybookResult(playbook.Version, false, []);
        }

        if (state.State.Current is null)
        {
            await GrainFactory.GetGrain<IPlaybookCatalogGrain>(0).AddAsync(name); // listed before it exists: never lost
        }

        if (state.State.Versions.TryAdd(playbook.Version, new PlaybookVersionRecord(yaml, file, time.GetUtcNow())))
        {
            state.State.Order.Add(playbook.Version);
        }

        state.State.Current = playbook.Version;
        await state.WriteAsync(this, logger);
        await SyncTriggersAsync(playbook);
        return new RegisterPlaybookResult(playbook.Version, true, []);
    }

    public Task<PlaybookSource?> GetSourceAsync(string? version)
    {
        var key = version ?? state.State.Current;
        return Task.FromResult(key is not null && state.State.Versions.TryGetValue(key, out var record)
            ? new PlaybookSource(this.GetPrimaryKeyString(), key, record.Yaml, record.File, record.RegisteredAt, !state.State.Disabled)
            : null);
    }

    public Task<IReadOnlyList<PlaybookVersionInfo>> ListVersionsAsync()
    {
        var order = Ordered();
        IReadOnlyList<PlaybookVersionInfo> versions = [.. order.Select((version, i) =>
        {
            var record = state.State.Versions[version];
            return new PlaybookVersionInfo(i + 1, version, record.File, record.RegisteredAt, version == state.State.Current);
        })];
        return Task.FromResult(versions);
    }

    public Task<PlaybookInfo?> GetInfoAsync()
    {
        var current = state.State.Current;
        return Task.FromResult(current is null
            ? null
            : new PlaybookInfo(this.GetPrimaryKeyString(), current, state.State.Versions.Count, !state.State.Disabled, state.State.DisabledReason, state.State.Versions[current].RegisteredAt));
    }

    public async Task<ControlResult> SetEnabledAsync(bool enabled, string? reason)
    {
        var name = this.GetPrimaryKeyString();
        if (state.State.Current is null)
        {
            return ControlResult.Missing($"playbook '{name}' is not registered");
        }

        var current = state.State.Versions[state.State.Current];
        var playbook = PlaybookLoader.Load(current.Yaml, current.File, cache.ValidationOptions()).Playbook!;
        if (state.State.Disabled != enabled)
        {
            await SyncTriggersAsync(playbook); // finishes a sync an earlier call may have been cut off in
            return ControlResult.No($"playbook '{name}' is already {(enabled ? "enabled" : "disabled")}");
        }

        state.State.Disabled = !enabled;
        state.State.DisabledReason = enabled ? null : reason;
        await state.WriteAsync(this, logger);
        await SyncTriggersAsync(playbook);
        return ControlResult.Done(enabled ? $"playbook '{name}' enabled" : $"playbook '{name}' disabled: it starts no runs until enabled");
    }

    public async Task<IReadOnlyList<ScheduleInfo>> ListSchedulesAsync()
    {
        var name = this.GetPrimaryKeyString();
        var schedules = new List<ScheduleInfo>();
        for (var i = 0; i < state.State.Schedules; i++)
        {
            if (await GrainFactory.GetGrain<IScheduleGrain>(TriggerKeys.Schedule(name, i)).GetInfoAsync() is { } info)
            {
                schedules.Add(info);
            }
        }

        return schedules;
    }

    // Brings the schedule grains and the topics in line with the current version and whether it is enabled. Every
    // call is idempotent, and the state records what was done, so a sync cut short is finished by the next one.
    private async Task SyncTriggersAsync(Playbook playbook)
    {
        var name = this.GetPrimaryKeyString();
        var enabled = !state.State.Disabled;
        var on = playbook.On;
        for (var i = 0; i < on.Schedules.Length; i++)
        {
            await GrainFactory.GetGrain<IScheduleGrain>(TriggerKeys.Schedule(name, i)).ConfigureAsync(new ScheduleConfig(name, i, playbook.Version, enabled));
        }

        for (var i = on.Schedules.Length; i < state.State.Schedules; i++)
        {
            await GrainFactory.GetGrain<IScheduleGrain>(TriggerKeys.Schedule(name, i)).RemoveAsync();
        }

        foreach (var gone in state.State.Events.Except(on.Events, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.Event(gone)).UnsubscribeAsync(name);
        }

        foreach (var topic in on.Events)
        {
            await GrainFactory.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.Event(topic)).SubscribeAsync(name, []);
        }

        var follows = on.After.GroupBy(a => a.Playbook, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(a => a.Statuses).Select(StatusName).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        foreach (var gone in state.State.After.Except(follows.Keys, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.After(gone)).UnsubscribeAsync(name);
        }

        foreach (var (upstream, statuses) in follows)
        {
            await GrainFactory.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.After(upstream)).SubscribeAsync(name, statuses);
        }

        List<string> needs = [.. playbook.Tasks.SelectMany(t => t.Upstream).Select(n => TriggerKeys.Upstream(n.Playbook, n.Task)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        foreach (var gone in state.State.Needs.Except(needs, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IUpstreamGrain>(gone).DeclareAsync(name, needs: false);
        }

        foreach (var upstream in needs)
        {
            await GrainFactory.GetGrain<IUpstreamGrain>(upstream).DeclareAsync(name, needs: true);
        }

        List<string> events = [.. on.Events], after = [.. follows.Keys];
        if (state.State.Schedules != on.Schedules.Length || !state.State.Events.SequenceEqual(events) || !state.State.After.SequenceEqual(after)
            || !state.State.Needs.SequenceEqual(needs))
        {
            state.State.Schedules = on.Schedules.Length;
            state.State.Events = events;
            state.State.After = after;
            state.State.Needs = needs;
            await state.WriteAsync(this, logger);
        }
    }

    private static string StatusName(RunOutcome outcome) => outcome == RunOutcome.TimedOut ? "timed_out" : outcome.ToString().ToLowerInvariant();

    // Versions registered before the order was kept come first, by registration time.
    private List<string> Ordered() =>
        [.. state.State.Versions.Keys.Where(v => !state.State.Order.Contains(v)).OrderBy(v => state.State.Versions[v].RegisteredAt), .. state.State.Order];
}
