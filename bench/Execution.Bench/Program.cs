using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// Measures the execution core, in memory or (<c>--postgres</c>) on PostgreSQL: <c>sequential</c> (per-step overhead
/// of one long run), <c>throughput</c> (many short runs at once) and <c>memory</c> (bytes per waiting run, active and
/// collected); and, when named, <c>schedule-lateness</c> (lateness of a per-second schedule's ticks) and
/// <c>schedule-idle</c> / <c>schedule-idle-hourly</c> (CPU and memory of 1,000 idle schedules). Each scenario gets
/// its own silo in this process (and, on PostgreSQL, its own database). Run it in
/// Release: <c>dotnet run -c Release --project bench/Execution.Bench -- all</c>.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["-h" or "--help", ..])
        {
            Console.WriteLine(BenchSettings.Usage);
            return 0;
        }

        BenchSettings settings;
        try
        {
            settings = BenchSettings.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync(BenchSettings.Usage);
            return 2;
        }

        var report = new Report(Console.Out);
        report.Line($"# Execution.Bench {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        report.Line();
        report.Line($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {(Debugger.IsAttached ? "debugger attached" : "no debugger")}, " +
            $"{(IsOptimized() ? "optimized build" : "DEBUG BUILD: figures are not meaningful")}; {settings.Describe()}");
        report.Line($"load average before: {LoadAverage()} (other processes share these cores)");

        BenchPostgres? postgres = null;
        if (settings.Postgres)
        {
            postgres = settings.PostgresConnection is { } connection ? await BenchPostgres.ConnectAsync(connection) : await BenchPostgres.StartAsync(settings.PostgresSettings);

            // A bench stopped with Ctrl+C (or ending any other way) does not leave its server running.
            Console.CancelKeyPress += (_, _) => postgres.Stop();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => postgres.Stop();
            report.Line(postgres.Description);
        }

        try
        {
            using var probe = new Probe(settings.TraceCalls, database: postgres is not null);
            var scenarios = settings.Scenarios.Contains("all") ? ["sequential", "throughput", "memory"] : settings.Scenarios.Distinct().ToList();
            foreach (var scenario in scenarios)
            {
                var took = Stopwatch.StartNew();
                var database = postgres is null ? null : await postgres.CreateDatabaseAsync($"owf_bench_{scenario}_{Guid.NewGuid():N}"[..40]);
                await using (var silo = await BenchSilo.StartAsync(settings, database))
                {
                    await (scenario switch
                    {
                        "sequential" => SequentialScenario.RunAsync(silo, settings, probe, report),
                        "throughput" => ThroughputScenario.RunAsync(silo, settings, probe, report),
                        "memory" => MemoryScenario.RunAsync(silo, settings, probe, report),
                        "schedule-lateness" => ScheduleLatenessScenario.RunAsync(silo, settings, report),
                        "schedule-idle" => ScheduleIdleScenario.RunAsync(silo, settings, report, hourly: false),
                        "schedule-idle-hourly" => ScheduleIdleScenario.RunAsync(silo, settings, report, hourly: true),
                        _ => throw new InvalidOperationException($"unknown scenario '{scenario}'"),
                    });
                }

                if (database is not null)
                {
                    await postgres!.DropDatabaseAsync(database);
                }

                report.Line($"({scenario}: {took.Elapsed.TotalSeconds:F0} s with silo start and stop; load average after: {LoadAverage()})");
            }
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }

        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static bool IsOptimized() =>
        typeof(Program).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
}
