namespace Orleans.Workflow.Playbooks.Model;

/// <summary>How often and how far apart a step is tried; <see cref="Attempts"/> counts the first try.</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan Delay, double Backoff, TimeSpan? MaxDelay)
{
    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, 1.0, null);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        if (attempt <= 1)
        {
            return TimeSpan.Zero;
        }

        var ticks = Delay.Ticks * Math.Pow(Backoff, attempt - 2);
        var cap = MaxDelay?.Ticks ?? TimeSpan.MaxValue.Ticks;
        return TimeSpan.FromTicks(double.IsFinite(ticks) && ticks < cap ? (long)ticks : cap);
    }
}
