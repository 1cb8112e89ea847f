namespace Orleans.Workflow.Plugins;

/// <summary>
/// How a plugin ends an attempt that waits for something outside it, instead of holding a thread while it
/// waits: <c>return context.Suspend(Suspension.Until(at));</c>. The step keeps the suspension in its state, so
/// the wait outlives the silo, and wakes when it is over: at <see cref="At"/>, when the run receives
/// <see cref="Signal"/>, or, if neither came first, at the timeout. A plugin never learns whether it was
/// suspended: the step ends the attempt itself (see <see cref="StepContext.Suspend"/>).
/// </summary>
public sealed record Suspension
{
    private Suspension()
    {
    }

    /// <summary>The instant the attempt succeeds with no output (a suspension until a time).</summary>
    public DateTimeOffset? At { get; private init; }

    /// <summary>The run's named signal whose payload becomes the attempt's output (a suspension for a signal).</summary>
    public string? Signal { get; private init; }

    /// <summary>
    /// How long a signal may take; then the attempt is timed out with <see cref="TimeoutError"/>. A suspension
    /// until a time is bounded by the attempt's own timeout instead.
    /// </summary>
    public TimeSpan? Timeout { get; private init; }

    /// <summary>The step's error when <see cref="Timeout"/> passes.</summary>
    public string? TimeoutError { get; private init; }

    /// <summary>Suspends the attempt until <paramref name="at"/> (an instant in the past wakes it at once).</summary>
    public static Suspension Until(DateTimeOffset at) => new() { At = at };

    /// <summary>Suspends the attempt until the run receives <paramref name="signal"/>, for at most <paramref name="timeout"/> if given.</summary>
    public static Suspension ForSignal(string signal, TimeSpan? timeout = null, string? timeoutError = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(signal);
        return new() { Signal = signal, Timeout = timeout, TimeoutError = timeoutError ?? $"no signal '{signal}' arrived in time" };
    }
}
