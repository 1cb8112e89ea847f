namespace Orleans.Workflow.Plugins;

/// <summary>The plugins this silo knows, by name (built-ins plus those registered by the host).</summary>
public sealed class PluginRegistry
{
    private readonly Dictionary<string, IStepPlugin> _plugins;

    public PluginRegistry(IEnumerable<IStepPlugin> plugins)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        _plugins = new Dictionary<string, IStepPlugin>(StringComparer.Ordinal);
        foreach (var plugin in plugins)
        {
            if (!_plugins.TryAdd(plugin.Name, plugin))
            {
                throw new InvalidOperationException($"two plugins are registered under the name '{plugin.Name}'");
            }
        }
    }

    public IReadOnlyCollection<string> Names => _plugins.Keys;

    public bool TryGet(string name, out IStepPlugin plugin) => _plugins.TryGetValue(name, out plugin!);
}
