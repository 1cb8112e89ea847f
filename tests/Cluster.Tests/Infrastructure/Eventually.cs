using System.Diagnostics;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>Waits on conditions with a deadline instead of sleeping.</summary>
internal static class Eventually
{
    /// <summary>How long any one thing a test waits for may take (the machine is small and shared).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? describe = null, TimeSpan? timeout = null, TimeSpan? every = null)
    {
        var limit = timeout ?? Patience;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"waited {limit} for: {what}{(describe is null ? string.Empty : "\nlast seen: " + describe())}");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, Func<string>? describe = null, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, describe, timeout);
}
