using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Playbooks.Validation;

/// <summary>What the validator is told about the world: the plugins the cluster knows, and the reader's limits.</summary>
public sealed record PlaybookValidationOptions
{
    /// <summary>The plugins every silo ships.</summary>
    public static readonly IReadOnlySet<string> BuiltInPlugins =
        new HashSet<string>(["noop", "log", "shell", "http", "sql", "playbook", "wait"], StringComparer.Ordinal);

    public static readonly PlaybookValidationOptions Default = new();

    /// <summary>Plugin names a step may use when it runs inside the cluster (steps on a worker queue use the worker's task types).</summary>
    public IReadOnlySet<string> KnownPlugins { get; init; } = BuiltInPlugins;

    public YamlReadLimits ReadLimits { get; init; } = YamlReadLimits.Default;

    /// <summary>The options with <paramref name="plugins"/> known besides the built-ins.</summary>
    public PlaybookValidationOptions WithPlugins(IEnumerable<string> plugins) =>
        this with { KnownPlugins = new HashSet<string>(KnownPlugins.Concat(plugins), StringComparer.Ordinal) };
}
