namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>Bounds on what the reader accepts, so any input is answered in bounded time and memory.</summary>
public sealed record YamlReadLimits
{
    public const int DefaultMaxBytes = 2 * 1024 * 1024;
    public const int DefaultMaxDepth = 64;
    public const int DefaultMaxNodes = 100_000;

    public static readonly YamlReadLimits Default = new();

    /// <summary>Largest file accepted, in bytes.</summary>
    public int MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Deepest nesting of mappings and lists.</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>Most nodes in a document, counting every node an alias brings in again.</summary>
    public int MaxNodes { get; init; } = DefaultMaxNodes;
}
