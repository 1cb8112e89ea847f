using System.Collections.Concurrent;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Plugins;

namespace Orleans.Workflow.Execution;

/// <summary>Parsed playbooks by (name, version), shared by every grain of a silo: a version never changes.</summary>
public sealed class PlaybookCache(IGrainFactory grains, PluginRegistry plugins)
{
    private readonly ConcurrentDictionary<(string, string), Playbook> _playbooks = new();

    public async Task<Playbook> GetAsync(string name, string version)
    {
        if (_playbooks.TryGetValue((name, version), out var cached))
        {
            return cached;
        }

        var source = await grains.GetGrain<IPlaybookGrain>(name).GetSourceAsync(version)
            ?? throw new InvalidOperationException($"playbook '{name}' has no version {version}");
        var loaded = PlaybookLoader.Load(source.Yaml, source.File, ValidationOptions());
        var playbook = loaded.Playbook
            ?? throw new InvalidOperationException($"playbook '{name}' version {version} no longer validates: {string.Join("; ", loaded.Diagnostics)}");
        return _playbooks.GetOrAdd((name, version), playbook);
    }

    public Playbooks.Validation.PlaybookValidationOptions ValidationOptions() =>
        Playbooks.Validation.PlaybookValidationOptions.Default.WithPlugins(plugins.Names);
}
