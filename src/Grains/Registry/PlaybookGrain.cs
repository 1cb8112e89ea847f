using Microsoft.Extensions.Logging;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks;

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

        state.State.Versions.TryAdd(playbook.Version, new PlaybookVersionRecord(yaml, file, time.GetUtcNow()));
        state.State.Current = playbook.Version;
        await state.WriteAsync(this, logger);
        return new RegisterPlaybookResult(playbook.Version, true, []);
    }

    public Task<PlaybookSource?> GetSourceAsync(string? version)
    {
        var key = version ?? state.State.Current;
        return Task.FromResult(key is not null && state.State.Versions.TryGetValue(key, out var record)
            ? new PlaybookSource(this.GetPrimaryKeyString(), key, record.Yaml, record.File, record.RegisteredAt)
            : null);
    }
}
