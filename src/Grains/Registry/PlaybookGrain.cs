using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Registry;

/// <summary>A playbook by name: validates and stores content-addressed versions.</summary>
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

        if (state.State.Disabled != enabled)
        {
            return ControlResult.No($"playbook '{name}' is already {(enabled ? "enabled" : "disabled")}");
        }

        state.State.Disabled = !enabled;
        state.State.DisabledReason = enabled ? null : reason;
        await state.WriteAsync(this, logger);
        return ControlResult.Done(enabled ? $"playbook '{name}' enabled" : $"playbook '{name}' disabled: it starts no runs until enabled");
    }

    // Versions registered before the order was kept come first, by registration time.
    private List<string> Ordered() =>
        [.. state.State.Versions.Keys.Where(v => !state.State.Order.Contains(v)).OrderBy(v => state.State.Versions[v].RegisteredAt), .. state.State.Order];
}
