using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Scheduling;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Triggers;

/// <summary>
/// One schedule entry. While active it keeps one timer armed for the next tick and fires it on time (every tick
/// it was armed for is on time, however late the timer ran). A reminder brings it back after a crash; an
/// activation treats the ticks that fell due while nothing watched as missed and settles them by <c>catchup</c>.
/// A tick's run is started before the tick is recorded, and its run id is made of (playbook, entry, tick), so a
/// re-fire after a crash finds the run instead of starting another (<see cref="ScheduleTick"/>). A live schedule is in
/// the <see cref="IScheduleIndex"/>, which a recovering silo reads to wake it.
/// </summary>
[GrainType("owf.schedule")]
public sealed partial class ScheduleGrain(
    [PersistentState("schedule", WorkflowStorage.Name)] IPersistentState<ScheduleGrainState> state,
    PlaybookCache playbooks,
    IScheduleIndex index,
    IOptions<WorkflowOptions> options,
    [FromKeyedServices(ScheduleGrain.ClockKey)] TimeProvider time,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    /// <summary>The key of the <see cref="TimeProvider"/> schedules read (the silo's clock unless a test sets its own).</summary>
    public const string ClockKey = "owf-schedules";

    private const string Reminder = "schedule";
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromDays(1);
    private IGrainTimer? _timer;
    private DateTimeOffset? _nextTick;
    private bool _resettle;
    private ScheduleSpec? _spec;

    private ScheduleGrainState S => state.State;

    // Live: the entry exists and its playbook is enabled. Firing: and this silo fires schedules (a silo with
    // Workflow:FireSchedules=false leaves a live schedule alone: it neither fires it nor takes its reminder away).
    private bool Live => S.Config is { Enabled: true } && !S.Removed;

    private bool Firing => Live && options.Value.FireSchedules;

    // Missed ticks are settled on the grain's own turn (a timer due now), not inside the activation or the
    // playbook's call: a catch-up of many ticks then holds up nobody.
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Firing)
        {
            SettleSoon();
        }

        return Task.CompletedTask;
    }

    public async Task ConfigureAsync(ScheduleConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (S.Config == config && !S.Removed && (!Firing || _timer is not null))
        {
            return; // nothing changed, and it is armed if it should be
        }

        var wasLive = Live;
        S.Config = config;
        S.Removed = false;
        _spec = null;
        var spec = await SpecAsync();
        var expression = $"{spec.Cron} {spec.TimeZoneId}";
        if (S.LastTick is null || S.Expression != expression)
        {
            // A new entry, or a new cron or time zone: its ticks start now; past ones are not backfilled.
            S.LastTick = time.GetUtcNow();
            S.Expression = expression;
        }

        await state.WriteAsync(this, logger);
        if (!Live)
        {
            await StopAsync();
        }
        else if (Firing)
        {
            if (!wasLive)
            {
                Enabled(logger, Key, spec.Cron);
            }

            // Enabled again: the ticks that fell due while it was disabled count as missed.
            SettleSoon();
        }
    }

    public async Task RemoveAsync()
    {
        if (S.Removed)
        {
            return;
        }

        S.Removed = true;
        S.LastTick = null; // an entry added again later starts with its next tick
        S.Expression = null;
        await state.WriteAsync(this, logger);
        await StopAsync();
        DeactivateOnIdle();
    }

    public Task WakeAsync()
    {
        if (Firing && _timer is null)
        {
            SettleSoon();
        }

        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Live)
        {
            await StopAsync();
            return;
        }

        if (Firing && _timer is null)
        {
            SettleSoon();
        }
    }

    public async Task<ScheduleInfo?> GetInfoAsync()
    {
        if (S.Config is not { } config)
        {
            return null;
        }

        var spec = await SpecAsync();
        var next = _nextTick ?? (Live && S.LastTick is { } last ? TickPlanner.Next(spec, last) : null);
        return new ScheduleInfo(
            config.Playbook, config.Index, spec.Cron, spec.TimeZoneId, Lower(spec.Catchup), Lower(spec.Overlap), Live,
            next, S.LastTick, S.LastRunId, S.Fired, S.Skipped, S.LastError);
    }

    public async Task<StartRunResult> TriggerNowAsync()
    {
        if (S.Config is null || S.Removed)
        {
            return new StartRunResult(string.Empty, false, false, [$"schedule {Key} does not exist"]);
        }

        var tick = ScheduleTick.ManualTick(time.GetUtcNow());
        StartRunResult result;
        try
        {
            result = await StartTickAsync(tick, manual: true);
        }
        catch (ExpressionException ex)
        {
            return new StartRunResult(ScheduleTick.RunIdOf(S.Config, tick, manual: true), false, false, [$"schedule params: {ex.Message}"]);
        }

        await state.WriteAsync(this, logger);
        return result;
    }

    private string Key => this.GetPrimaryKeyString();

    private void SettleSoon() => Arm(null, time.GetUtcNow(), resettle: true);

    // Settles the ticks missed while nothing watched, then arms the timer for the next tick. It also makes sure
    // the reminder and the index entry exist (both idempotent), so a write that failed after the state's is repaired.
    private async Task SettleAndArmAsync()
    {
        await index.AddAsync(Key, CancellationToken.None);
        await EnsureReminderAsync();
        var spec = await SpecAsync();
        var now = time.GetUtcNow();
        var last = S.LastTick ?? now;
        var settled = TickPlanner.SettleMissed(spec, last, now);
        if (settled.Watermark is { } watermark)
        {
            foreach (var tick in settled.Fire)
            {
                if (!await FireAsync(tick))
                {
                    Arm(null, time.GetUtcNow() + RetryAfterFailure, resettle: true);
                    return;
                }

                S.LastTick = tick;
                await state.WriteAsync(this, logger);
            }

            S.LastTick = watermark;
            if (settled.Skipped > 0)
            {
                S.Skipped += settled.Skipped; // counted once the watermark is written with it
                MissedTicks(logger, Key, settled.Skipped, spec.Catchup, last, now);
            }

            await state.WriteAsync(this, logger);
        }

        Arm(TickPlanner.Next(spec, S.LastTick ?? now));
    }

    // Arms the timer to fire `tick` on time (at `at`, by default the tick itself), or to settle again (`resettle`).
    private void Arm(DateTimeOffset? tick, DateTimeOffset? at = null, bool resettle = false)
    {
        _timer?.Dispose();
        _timer = null;
        _nextTick = tick;
        _resettle = resettle;
        if ((at ?? tick) is not { } due)
        {
            return;
        }

        // A timer cannot wait longer than about 49 days, and need not: one that wakes before its tick arms again.
        var delay = due - time.GetUtcNow();
        delay = delay > MaxTimerWait ? MaxTimerWait : delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    // The timer of an active schedule: every tick it was armed for is on time. Ticks that fell due behind it (a
    // timer late by more than the period) are fired too, in order: nothing stopped watching them.
    private async Task OnTimerAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (!Firing)
        {
            return;
        }

        if (_resettle)
        {
            await SettleAndArmAsync();
            return;
        }

        var spec = await SpecAsync();
        var tick = _nextTick;
        while (tick is { } due && due <= time.GetUtcNow())
        {
            if (!await FireAsync(due))
            {
                Arm(due, time.GetUtcNow() + RetryAfterFailure);
                return;
            }

            S.LastTick = due;
            await state.WriteAsync(this, logger);
            tick = TickPlanner.Next(spec, due);
        }

        Arm(tick);
    }

    // Starts the run of one tick; false when it could not be reached (try again), true when it is settled
    // (started, found, or refused for good: a refusal is recorded and the tick is not tried again).
    private async Task<bool> FireAsync(DateTimeOffset tick)
    {
        try
        {
            StartRunResult result;
            try
            {
                result = await StartTickAsync(tick, manual: false);
            }
            catch (ExpressionException ex)
            {
                // The entry's params cannot be rendered: that will not change by trying again.
                result = new StartRunResult(ScheduleTick.RunIdOf(S.Config!, tick, manual: false), false, false, [$"schedule params: {ex.Message}"]);
            }

            if (!result.Started && !result.AlreadyExisted)
            {
                S.LastError = $"tick {ScheduleTick.Iso(tick)}: {string.Join("; ", result.Errors)}";
                TickRefused(logger, Key, tick, S.LastError);
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TickFailed(logger, Key, tick, ex);
            return false;
        }
    }

    private async Task<StartRunResult> StartTickAsync(DateTimeOffset tick, bool manual)
    {
        var config = S.Config!;
        var request = ScheduleTick.Request(config, await SpecAsync(), tick, manual, time.GetUtcNow());
        var runId = ScheduleTick.RunIdOf(config, tick, manual);
        var result = await GrainFactory.GetGrain<IRunGrain>(runId).StartAsync(request);
        if (result.Started)
        {
            S.Fired++;
            S.LastRunId = runId;
            S.LastError = null;
            Fired(logger, Key, tick, runId);
        }

        return result;
    }

    /// <summary>The run id of a tick (<see cref="ScheduleTick.RunIdOf(string, int, DateTimeOffset)"/>).</summary>
    public static string RunIdOf(string playbook, int index, DateTimeOffset tick) => ScheduleTick.RunIdOf(playbook, index, tick);

    private async Task<ScheduleSpec> SpecAsync()
    {
        if (_spec is { } cached)
        {
            return cached;
        }

        var config = S.Config ?? throw new InvalidOperationException($"schedule {Key} is not configured");
        var playbook = await playbooks.GetAsync(config.Playbook, config.Version);
        return _spec = playbook.On.Schedules[config.Index];
    }

    private async Task EnsureReminderAsync()
    {
        if (!S.ReminderSet)
        {
            var period = options.Value.WakeReminderPeriod;
            await this.RegisterOrUpdateReminder(Reminder, period, period);
            S.ReminderSet = true;
            await state.WriteAsync(this, logger);
        }
    }

    private async Task StopAsync()
    {
        Arm(null);
        if (S.ReminderSet)
        {
            if (await this.GetReminder(Reminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            S.ReminderSet = false;
            await state.WriteAsync(this, logger);
        }

        await index.RemoveAsync(Key, CancellationToken.None);
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
