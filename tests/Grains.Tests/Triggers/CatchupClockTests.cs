using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary>
/// Catchup with time injected: the schedules of this cluster read a clock the test moves. Every playbook's hourly
/// schedule starts at 09:10; the clock jumps three hours (a simulated outage: the playbooks are disabled meanwhile,
/// so nothing watches their ticks), and on enabling each settles the missed 10:00, 11:00 and 12:00 by its catchup,
/// each tick's run keyed by the tick.
/// </summary>
public sealed class CatchupClockTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 10, 0, TimeSpan.Zero);
    private WorkflowTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await WorkflowTestCluster.StartAsync<ClockConfigurator>(new Dictionary<string, string> { ["Workflow:ResendInterval"] = "00:00:01" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AThreeHourOutage_IsSettledByEachPolicy_EachFiredTickWithItsOwnRun()
    {
        var clock = ClockConfigurator.Clock;
        clock.Set(Start);
        string[] policies = ["none", "latest", "all", "all-90m"];
        foreach (var policy in policies)
        {
            var catchup = policy.StartsWith("all", StringComparison.Ordinal) ? "all" : policy;
            var window = policy == "all-90m" ? "90m" : "1d";
            await _cluster.RegisterAsync($$"""
                name: clock-{{policy}}
                on:
                  schedule:
                    - { cron: "0 * * * *", catchup: {{catchup}}, catchup_window: {{window}}, overlap: allow }
                tasks:
                  t:
                    steps:
                      - { id: s, uses: noop }
                """);
            Assert.InRange(Assert.Single(await _cluster.Client.ListSchedulesAsync($"clock-{policy}")).LastTick!.Value, Start, Start.AddMinutes(1));
            await _cluster.Client.SetPlaybookEnabledAsync($"clock-{policy}", false, "outage");
        }

        clock.Set(Start.AddHours(3));
        foreach (var policy in policies)
        {
            await _cluster.Client.SetPlaybookEnabledAsync($"clock-{policy}", true);
        }

        string Tick(string policy, int hour) => ScheduleGrain.RunIdOf($"clock-{policy}", 0, new DateTimeOffset(2026, 11, 23, hour, 0, 0, TimeSpan.Zero));
        var expected = new Dictionary<string, int[]>
        {
            ["none"] = [],
            ["latest"] = [12],
            ["all"] = [10, 11, 12],
            ["all-90m"] = [11, 12],
        };
        foreach (var (policy, hours) in expected)
        {
            // Settled when every missed tick is counted, fired or skipped, and the watermark is 12:00.
            ScheduleInfo? info = null;
            await Eventually.HoldsAsync(
                async () => (info = Assert.Single(await _cluster.Client.ListSchedulesAsync($"clock-{policy}"))) is { Fired: var fired, Skipped: var skipped } && fired + skipped == 3
                    && info.LastTick == Start.AddHours(3).AddMinutes(-10),
                $"clock-{policy} settled its three missed ticks (fired or skipped, watermark 12:00)",
                () => $"{info}");
            Assert.Equal((hours.Length, 3L - hours.Length), (info!.Fired, info.Skipped));
            foreach (var hour in new[] { 10, 11, 12 })
            {
                var status = await _cluster.Cluster.Client.GetGrain<IRunGrain>(Tick(policy, hour)).GetStatusAsync();
                Assert.True(hours.Contains(hour) == status is not null, $"{policy}: tick {hour}:00 has {(status is null ? "no run" : $"run {status}")}");
            }

            Assert.Equal(new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero), info.NextTick);
        }

    }

    /// <summary>Gives the schedules of the silo <see cref="Clock"/> (the rest of the silo keeps the real one).</summary>
    public sealed class ClockConfigurator : ISiloConfigurator
    {
        public static readonly SetClock Clock = new();

        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(ScheduleGrain.ClockKey, Clock);
    }

    /// <summary>A clock that reads what the test set, moving on with real time from there; its timers are real ones.</summary>
    public sealed class SetClock : TimeProvider
    {
        private DateTimeOffset _base = DateTimeOffset.UtcNow;
        private long _setAt = System.GetTimestamp();

        public void Set(DateTimeOffset now)
        {
            _setAt = System.GetTimestamp();
            _base = now;
        }

        public override DateTimeOffset GetUtcNow() => _base + System.GetElapsedTime(_setAt);
    }
}
