namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>The sandbox's bounds for one evaluation of an expression.</summary>
public sealed record ExpressionLimits
{
    public static readonly ExpressionLimits Default = new();

    /// <summary>Wall-clock time one evaluation may take, converting its result included (default 100 ms).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Bytes one evaluation may allocate (default 32 MiB).</summary>
    public long MemoryBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Deepest call stack (default 64).</summary>
    public int RecursionDepth { get; init; } = 64;

    /// <summary>Largest array an expression may build, and most values its result may hold in all (default 1,000,000).</summary>
    public uint MaxArraySize { get; init; } = 1_000_000;

    /// <summary>Deepest nesting of a result converted back to data (default 64).</summary>
    public int MaxResultDepth { get; init; } = 64;
}
