using System.Diagnostics;

namespace Orleans.Workflow.Postgres.Tests.Infrastructure;

/// <summary>Waits on conditions with a deadline instead of sleeping.</summary>
internal static class Eventually
{
    /// <summary>How long any one thing a test waits for may take (the machine is small and shared).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? describe = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Patience;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"waited {limit} for: {what}{(describe is null ? string.Empty : "\nlast seen: " + describe())}");
            }

            await Task.Delay(50);
        }
    }
}
