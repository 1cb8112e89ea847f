using System.Globalization;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// What a measured window cost the database: read once the database has settled before the window and again once it
/// has settled after it, so the measured runs' history appends, which trail the runs, are in it.
/// </summary>
internal sealed class DatabaseWindow
{
    // See BenchPostgres.SettleAsync: an idle backend flushes its counts 10 s after its last transaction.
    private static readonly TimeSpan Minimum = TimeSpan.FromSeconds(11);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly BenchDatabase _database;
    private readonly DatabaseCounters _before;
    private readonly TimeSpan? _serverCpu;

    private DatabaseWindow(BenchDatabase database, DatabaseCounters before)
    {
        _database = database;
        _before = before;
        _serverCpu = database.Server.ServerCpu();
    }

    /// <summary>Waits for the database to settle (the warm-up's trailing writes), then takes the "before" reading; call it right before the window.</summary>
    public static async Task<DatabaseWindow> OpenAsync(BenchDatabase database) =>
        new(database, await database.Server.SettleAsync(database, Minimum, Quiet, Limit));

    /// <summary>
    /// Settles and reads again, and answers the rows for the report: transactions, writes by kind, per step.
    /// <paramref name="grainWrites"/> is Orleans' own count of grain-state writes in the window;
    /// <paramref name="runPrefix"/> names the measured runs (their grain-state rows are counted by state name).
    /// </summary>
    public async Task<IReadOnlyList<Row>> CloseAsync(int steps, TimeSpan wall, long grainWrites, string runPrefix, double targetWritesPerStep, bool steadyState)
    {
        var serverCpu = _database.Server.ServerCpu() - _serverCpu; // right at the window's end, before settling
        var after = await _database.Server.SettleAsync(_database, Minimum, Quiet, Limit);
        var byState = await BenchPostgres.StateWritesAsync(_database, runPrefix);
        var commits = after.Commits - _before.Commits;
        var writers = after.NextXid - _before.NextXid;
        var rows = new List<Row>();
        if (serverCpu is { } cpu)
        {
            rows.Add(new Row("PostgreSQL server CPU / wall (2 cores = 200 %); per step", $"{Report.Percent(cpu / wall)}; {Report.Ms(cpu.TotalMilliseconds / steps)}"));
        }

        rows.AddRange(
        [
            new("(a) grain-state writes per step (Orleans `orleans-storage-write-latency` count)", Report.Number(grainWrites / (double)steps),
                steadyState ? string.Create(Report.Invariant, $"≤ {targetWritesPerStep:N0} per steady-state step") : "(includes per-run writes)",
                // A run's own writes (run grain, task start and end) add a few per run: 0.004 a step over 1,000 steps,
                // so the steady-state verdict reads the figure as printed (2 decimals).
                steadyState ? Report.Verdict(Math.Round(grainWrites / (double)steps, 2) <= targetWritesPerStep) : ""),
            new("(b) committed transactions per step (`pg_stat_database.xact_commit` of the scenario's database)", Report.Number(commits / (double)steps)),
            new("    of which wrote (got a transaction id; server-wide counter); the rest read only", string.Create(Report.Invariant, $"{writers / (double)steps:N2}; {(commits - writers) / (double)steps:N2}")),
            new("    rolled back", Number(after.Rollbacks - _before.Rollbacks)),
            new("    WAL syncs (fsync of the log; server-wide), per step", Report.Number((after.WalSyncs - _before.WalSyncs) / (double)steps)),
            new("    WAL written per step", Report.Bytes((after.WalBytes - _before.WalBytes) / (double)steps)),
            new("    settle before / after the window (stats flush)", string.Create(Report.Invariant, $"{_before.SettledAfter.TotalSeconds:F1} s / {after.SettledAfter.TotalSeconds:F1} s")),
        ]);

        foreach (var (state, count, writes) in byState)
        {
            rows.Add(new Row($"    grain state `{state}` of the measured runs: rows, writes per step", string.Create(Report.Invariant, $"{count:N0}, {writes / (double)steps:N2}")));
        }

        if (_database.Server.Statements)
        {
            var kinds = Statements(_before, after)
                .GroupBy(s => Kind(s.Query))
                .Select(g => (Kind: g.Key, Calls: g.Sum(s => s.Calls), Rows: g.Sum(s => s.Rows), ExecMs: g.Sum(s => s.ExecMs)))
                .Where(k => k.Calls > 0)
                .OrderBy(k => k.Kind, StringComparer.Ordinal);
            foreach (var kind in kinds)
            {
                rows.Add(new Row(
                    $"    statements: {kind.Kind}: calls, rows per step; server exec time per call",
                    string.Create(Report.Invariant, $"{kind.Calls / (double)steps:N3}, {kind.Rows / (double)steps:N3}; {kind.ExecMs / kind.Calls:F3} ms")));
            }
        }

        return rows;
    }

    /// <summary>The statements run between two readings (the differences of their counters).</summary>
    private static IEnumerable<StatementCount> Statements(DatabaseCounters before, DatabaseCounters after) =>
        after.Statements.Select(s => before.Statements.TryGetValue(s.Key, out var was)
            ? s.Value with { Calls = s.Value.Calls - was.Calls, Rows = s.Value.Rows - was.Rows, ExecMs = s.Value.ExecMs - was.ExecMs }
            : s.Value);

    /// <summary>What a statement is for, from its text.</summary>
    private static string Kind(string query)
    {
        var q = query.ToLowerInvariant();
        bool Has(string text) => q.Contains(text, StringComparison.Ordinal);
        bool Writes() => Has("insert ") || Has("update ") || Has("delete ");
        return true switch
        {
            _ when Has("orleansstorage") => Writes() ? "grain state, write" : "grain state, read",
            _ when Has("pg_advisory_xact_lock") => "history append, lock (same transaction as its insert)",
            _ when Has("owf_run_events") => Writes() ? "history append, insert (rows = events)" : "history, read",
            _ when Has("owf_active_runs") => Has("insert ") ? "active-run index, add" : Has("delete ") ? "active-run index, remove" : "active-run index, read",
            _ when Has("orleansreminderstable") => Writes() ? "reminders, write" : "reminders, read",
            _ when Has("orleansmembership") => "clustering (membership)",
            _ when Has("orleansquery") || Has("owf_schema_version") || Has("pg_advisory_lock") || Has("pg_advisory_unlock") => "provider and schema start-up",
            _ when q.TrimStart().StartsWith("discard all", StringComparison.Ordinal) => "Npgsql connection reset (DISCARD ALL, sent with the first command after a pooled connection is taken)",
            _ when q.TrimStart().StartsWith("begin", StringComparison.Ordinal) || q.TrimStart().StartsWith("commit", StringComparison.Ordinal) || q.TrimStart().StartsWith("rollback", StringComparison.Ordinal) => "explicit transaction control",
            _ => "other: " + (query.Length > 60 ? query[..60].ReplaceLineEndings(" ") + "…" : query.ReplaceLineEndings(" ")),
        };
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
