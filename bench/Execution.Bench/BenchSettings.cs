using System.Globalization;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>What to run and how the silo is configured; parsed from the command line.</summary>
internal sealed record BenchSettings
{
    public IReadOnlyList<string> Scenarios { get; init; } = ["all"];

    /// <summary>Steps of the one sequential run.</summary>
    public int SequentialSteps { get; init; } = 1000;

    /// <summary>Runs started together by the throughput scenario.</summary>
    public int Runs { get; init; } = 1000;

    /// <summary>No-op steps of each throughput run.</summary>
    public int RunSteps { get; init; } = 10;

    /// <summary>Start calls in flight at once (throughput and memory scenarios).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Runs held on a signal by the memory scenario.</summary>
    public int Waiting { get; init; } = 1000;

    /// <summary>Consecutive ticks of the per-second schedule measured by the schedule-lateness scenario.</summary>
    public int Ticks { get; init; } = 300;

    /// <summary>Playbooks, each with one schedule, registered by the schedule-idle scenarios.</summary>
    public int Schedules { get; init; } = 1000;

    /// <summary>Length of each idle window of the schedule-idle scenarios, in seconds.</summary>
    public int IdleSeconds { get; init; } = 60;

    /// <summary>The cron expression of the schedule-idle scenario (the hourly variant makes its own).</summary>
    public string IdleCron { get; init; } = "0 0 1 1 *";

    /// <summary>Overrides the memory streams' pulling period (the silo sets 20 ms).</summary>
    public TimeSpan? PullPeriod { get; init; }

    /// <summary>Overrides <c>Workflow:ResendInterval</c> (default 5 s).</summary>
    public TimeSpan? ResendInterval { get; init; }

    /// <summary>False: no <c>run-events</c> stream provider (an experiment: what events cost).</summary>
    public bool Events { get; init; } = true;

    /// <summary>
    /// The plugin of the sequential and throughput steps: <c>noop</c> (runs inline, within its task's turn) or
    /// <c>pass</c> (a bench plugin that also returns at once but is not inline, so every step takes the grain path:
    /// its own step grain, a message each way, the plugin off the grain's turn).
    /// </summary>
    public string Plugin { get; init; } = "noop";

    /// <summary>Times every grain call by interface and method (Orleans activities); adds its own overhead.</summary>
    public bool TraceCalls { get; init; }

    /// <summary>
    /// True: the silo is built as production builds it on PostgreSQL (<c>UseWorkflowPostgres</c>), each scenario in
    /// a database of its own, on <see cref="PostgresConnection"/> or, without one, on a server the bench starts.
    /// </summary>
    public bool Postgres { get; init; }

    /// <summary>An existing server for <c>--postgres</c>; null: the bench starts its own.</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>Experiment: Npgsql connection-string options added to the silo's connection string (every store).</summary>
    public string? PostgresOptions { get; init; }

    /// <summary>Experiment: server settings (<c>name=value</c>) for the server the bench starts.</summary>
    public IReadOnlyList<string> PostgresSettings { get; init; } = [];

    /// <summary>Experiment: the run history store commits without waiting for the WAL flush (synchronous_commit=off on its connections).</summary>
    public bool HistoryAsyncCommit { get; init; }

    public const string Usage = """
        usage: Orleans.Workflow.Execution.Bench [sequential|throughput|memory|all|schedule-lateness|schedule-idle|schedule-idle-hourly]... [options]
          all is sequential, throughput and memory; the schedule scenarios run only when named:
          schedule-lateness  lateness of consecutive ticks of a per-second schedule (300 ticks: 5 minutes)
          schedule-idle      CPU and memory of 1,000 idle schedules ('0 0 1 1 *'); 2 idle windows of 60 s
          schedule-idle-hourly  the same with hourly schedules ('M * * * *', M half an hour from now)
          --steps N         steps of the sequential run (1000)
          --runs N          runs of the throughput scenario (1000)
          --run-steps N     no-op steps per throughput run (10)
          --concurrency N   start calls in flight at once (64)
          --waiting N       runs held on a signal by the memory scenario (1000)
          --ticks N         ticks measured by schedule-lateness (300)
          --schedules N     playbooks with one schedule each of schedule-idle (1000)
          --idle-seconds N  length of each idle window of schedule-idle (60)
          --idle-cron EXPR  cron of schedule-idle's schedules ("0 0 1 1 *")
          --pull-ms N       memory streams' pulling period in ms (silo default: 20)
          --resend-ms N     Workflow:ResendInterval in ms (default: 5000)
          --plugin noop|pass
                            plugin of the sequential and throughput steps: noop runs inline in its
                            task's turn; pass returns at once too but takes the step grain path (noop)
          --no-events       experiment: no run-events stream provider (events are not published)
          --trace-calls     experiment: time grain calls by method (adds overhead)
          --postgres [CONNECTION_STRING]
                            durable: the silo as production builds it on PostgreSQL (AddWorkflowCore,
                            AddWorkflowEvents, UseWorkflowPostgres: ADO.NET clustering, grain state and
                            reminders, run history, active-run index), each scenario in a fresh database.
                            Without a value the bench starts its own throw-away server from
                            /usr/lib/postgresql/<highest>/bin (durability as shipped: fsync and
                            synchronous_commit on; max_connections=200; pg_stat_statements loaded) and
                            deletes it at the end; with one (Npgsql syntax, Host=...;Username=...) it uses
                            that server and drops the databases it created. Targets become the PostgreSQL
                            ones (sequential <= 5 ms p50, throughput >= 1,000 steps/s), and each scenario
                            also counts the window's database work: transactions, statements by kind,
                            grain-state writes by state, WAL syncs, Npgsql pool use, server CPU
          --pg-options OPTS experiment: Npgsql options added to the silo's connection string, e.g.
                            "No Reset On Close=true;Maximum Pool Size=150"
          --pg-setting NAME=VALUE
                            experiment (repeatable): a setting of the server the bench starts, e.g.
                            synchronous_commit=off (what the WAL flush costs), commit_delay=200
          --history-async-commit
                            experiment: the run history store's connections use synchronous_commit=off
                            (its appends stop waiting for, and queueing behind, WAL flushes)
        Workflow__* environment variables reach the silo's configuration too. With --postgres, the counts
        are read 11 s or more after each window (PostgreSQL flushes an idle backend's statistics 10 s
        late); OWF_BENCH_TRACE_SETTLE=1 prints each reading while it waits.
        """;

    public static BenchSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new BenchSettings();
        var scenarios = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            settings = arg switch
            {
                "sequential" or "throughput" or "memory" or "all" or "schedule-lateness" or "schedule-idle" or "schedule-idle-hourly" => Add(settings, scenarios, arg),
                "--steps" => settings with { SequentialSteps = Int(args, ++i, arg) },
                "--runs" => settings with { Runs = Int(args, ++i, arg) },
                "--run-steps" => settings with { RunSteps = Int(args, ++i, arg) },
                "--concurrency" => settings with { Concurrency = Int(args, ++i, arg) },
                "--waiting" => settings with { Waiting = Int(args, ++i, arg) },
                "--ticks" => settings with { Ticks = Int(args, ++i, arg) },
                "--schedules" => settings with { Schedules = Int(args, ++i, arg) },
                "--idle-seconds" => settings with { IdleSeconds = Int(args, ++i, arg) },
                "--idle-cron" => settings with { IdleCron = ++i < args.Count ? args[i] : throw new ArgumentException("--idle-cron needs a cron expression") },
                "--pull-ms" => settings with { PullPeriod = TimeSpan.FromMilliseconds(Int(args, ++i, arg)) },
                "--resend-ms" => settings with { ResendInterval = TimeSpan.FromMilliseconds(Int(args, ++i, arg)) },
                "--plugin" => settings with { Plugin = ++i < args.Count && args[i] is "noop" or "pass" ? args[i] : throw new ArgumentException("--plugin is noop or pass") },
                "--no-events" => settings with { Events = false },
                "--trace-calls" => settings with { TraceCalls = true },
                "--pg-options" => settings with { PostgresOptions = ++i < args.Count ? args[i] : throw new ArgumentException("--pg-options needs Npgsql options") },
                "--pg-setting" => settings with { PostgresSettings = [.. settings.PostgresSettings, ++i < args.Count && args[i].Contains('=', StringComparison.Ordinal) ? args[i] : throw new ArgumentException("--pg-setting needs NAME=VALUE")] },
                "--history-async-commit" => settings with { HistoryAsyncCommit = true },
                "--postgres" => i + 1 < args.Count && args[i + 1].Contains('=', StringComparison.Ordinal)
                    ? settings with { Postgres = true, PostgresConnection = args[++i] }
                    : settings with { Postgres = true },
                _ => throw new ArgumentException($"unknown argument '{arg}'"),
            };
        }

        if (!settings.Postgres && (settings.PostgresOptions is not null || settings.PostgresSettings.Count > 0 || settings.HistoryAsyncCommit))
        {
            throw new ArgumentException("--pg-options, --pg-setting and --history-async-commit need --postgres");
        }

        if (settings.PostgresConnection is not null && settings.PostgresSettings.Count > 0)
        {
            throw new ArgumentException("--pg-setting applies to the server the bench starts, not to a given one");
        }

        return scenarios.Count == 0 ? settings : settings with { Scenarios = scenarios };
    }

    /// <summary>The settings that differ from the defaults, for the report's header.</summary>
    public string Describe()
    {
        var parts = new List<string> { $"steps use {Plugin}" };
        if (PullPeriod is { } pull)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"pulling period {pull.TotalMilliseconds:F0} ms"));
        }

        if (ResendInterval is { } resend)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"resend interval {resend.TotalMilliseconds:F0} ms"));
        }

        if (!Events)
        {
            parts.Add("no run-events stream provider");
        }

        if (TraceCalls)
        {
            parts.Add("grain calls traced");
        }

        parts.Add(Postgres ? (PostgresConnection is null ? "PostgreSQL started by the bench" : "PostgreSQL given by --postgres") : "in memory");
        if (PostgresOptions is { } options)
        {
            parts.Add($"silo connection options '{options}'");
        }

        if (PostgresSettings.Count > 0)
        {
            parts.Add($"server settings {string.Join(' ', PostgresSettings)}");
        }

        if (HistoryAsyncCommit)
        {
            parts.Add("history appends with synchronous_commit=off");
        }

        return string.Join(", ", parts);
    }

    private static BenchSettings Add(BenchSettings settings, List<string> scenarios, string scenario)
    {
        scenarios.Add(scenario);
        return settings;
    }

    private static int Int(IReadOnlyList<string> args, int index, string name) =>
        index < args.Count && int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} needs a positive whole number");
}
