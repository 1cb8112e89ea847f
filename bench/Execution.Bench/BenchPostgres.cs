using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>
/// The PostgreSQL of a <c>--postgres</c> bench. Without a connection string: a throw-away server from the machine's
/// binaries (<c>/usr/lib/postgresql/&lt;highest&gt;/bin</c>, else the PATH), a fresh cluster in a temporary directory
/// (<c>initdb -U postgres -A trust --no-sync</c>: only initdb skips its fsync), started by <c>pg_ctl</c> on a free port
/// of 127.0.0.1 with durability left as PostgreSQL ships it (fsync, synchronous_commit and full_page_writes on),
/// <c>max_connections=200</c> and <c>pg_stat_statements</c> loaded so statements can be counted by kind. As root
/// the binaries run as <c>postgres</c> (else <c>nobody</c>) through <c>runuser</c> (else <c>setpriv</c>) and the
/// directory is handed to that user. Disposing stops it and deletes the directory. With a connection string: that
/// server, as it is configured; databases the bench created are dropped after their scenario.
/// (Written for the bench after tests/Postgres.Tests/Infrastructure/PostgresServer.cs; it does not reference the tests.)
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly string? _bin;
    private readonly string? _runAs;
    private string? _root;
    private bool _started;
    private IReadOnlyList<string> _extra = [];

    private BenchPostgres(string? bin, string? runAs)
    {
        _bin = bin;
        _runAs = runAs;
    }

    /// <summary>To the server's <c>postgres</c> database (or the given one): where the bench creates databases and reads statistics.</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>True when the bench started this server itself.</summary>
    public bool Owned => _bin is not null;

    /// <summary>Whether <c>pg_stat_statements</c> can be read (statements counted by kind).</summary>
    public bool Statements { get; private set; }

    /// <summary>Version and the settings that decide what a commit costs, for the report's header.</summary>
    public string Description { get; private set; } = string.Empty;

    /// <summary>Starts a throw-away server, with <paramref name="settings"/> (<c>name=value</c>) on top of the bench's own.</summary>
    public static async Task<BenchPostgres> StartAsync(IReadOnlyList<string> settings)
    {
        var server = new BenchPostgres(FindBinaries(), Environment.IsPrivilegedProcess ? FindUnprivilegedUser() : null) { _extra = settings };
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An existing server.</summary>
    public static async Task<BenchPostgres> ConnectAsync(string connectionString)
    {
        var server = new BenchPostgres(null, null)
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString,
        };
        await server.DescribeAsync();
        return server;
    }

    /// <summary>Creates an empty database for one scenario, so figures of scenarios do not mix.</summary>
    public async Task<BenchDatabase> CreateDatabaseAsync(string name)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        var oid = Convert.ToInt64(await ScalarAsync($"SELECT oid::bigint FROM pg_database WHERE datname = '{name}'"), CultureInfo.InvariantCulture);

        // The silo's own connections (Orleans' ADO.NET providers and the workflow stores) pool as they do in production.
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ConnectionString;
        return new BenchDatabase(this, name, oid, connectionString);
    }

    /// <summary>Drops a scenario's database on a server the bench did not start (its own server goes away whole).</summary>
    public async Task DropDatabaseAsync(BenchDatabase database)
    {
        if (Owned)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{database.Name}\" WITH (FORCE)");
    }

    /// <summary>One snapshot of the counters of <paramref name="database"/> (read from this connection's database, so the reads are not counted in it).</summary>
    public async Task<DatabaseCounters> ReadAsync(BenchDatabase database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        long commits, rollbacks, nextXid, walSyncs, walBytes;
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT d.xact_commit, d.xact_rollback, pg_snapshot_xmax(pg_current_snapshot())::text::bigint, w.wal_sync, w.wal_bytes::bigint
            FROM pg_stat_database d, pg_stat_wal w
            WHERE d.datid = {database.Oid}
            """,
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (commits, rollbacks, nextXid, walSyncs, walBytes) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }

        var statements = new Dictionary<long, StatementCount>();
        if (Statements)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT queryid, min(query), sum(calls)::bigint, sum(rows)::bigint, sum(total_exec_time) FROM pg_stat_statements WHERE dbid = {database.Oid} AND queryid IS NOT NULL GROUP BY queryid",
                connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                statements[reader.GetInt64(0)] = new StatementCount(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDouble(4));
            }
        }

        return new DatabaseCounters(DateTime.UtcNow, commits, rollbacks, nextXid, walSyncs, walBytes, statements);
    }

    /// <summary>
    /// Waits until the cumulative statistics of <paramref name="database"/> hold everything done so far, then reads them.
    /// PostgreSQL's backends flush their counts at the end of a transaction at most once a second, and a backend that
    /// went idle with counts still pending flushes them 10 s later (PGSTAT_IDLE_INTERVAL; seen here as a jump 9 to 10 s
    /// after the window). So: at least <paramref name="minimum"/>, then until <c>xact_commit</c> and <c>wal_sync</c>
    /// have not moved for <paramref name="quiet"/>, at most <paramref name="limit"/>. The transaction-id counter and
    /// pg_stat_statements are not delayed.
    /// </summary>
    public async Task<DatabaseCounters> SettleAsync(BenchDatabase database, TimeSpan minimum, TimeSpan quiet, TimeSpan limit)
    {
        var trace = Environment.GetEnvironmentVariable("OWF_BENCH_TRACE_SETTLE") == "1";
        var started = Stopwatch.StartNew();
        var last = await ReadAsync(database);
        var still = Stopwatch.StartNew();
        while (started.Elapsed < limit)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            var now = await ReadAsync(database);
            if (trace)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"settle {started.Elapsed.TotalSeconds:F2} s: commits {now.Commits}, xid {now.NextXid}, wal syncs {now.WalSyncs}"));
            }

            if (now.Commits != last.Commits || now.WalSyncs != last.WalSyncs)
            {
                still.Restart();
            }

            last = now;
            if (started.Elapsed >= minimum && still.Elapsed >= quiet)
            {
                break;
            }
        }

        return last with { SettledAfter = started.Elapsed };
    }

    /// <summary>
    /// CPU used so far by the server the bench started: the postmaster and its live children (backends, WAL writer,
    /// ...) from /proc, plus the children it has reaped. Null for a server the bench did not start.
    /// </summary>
    public TimeSpan? ServerCpu()
    {
        if (_root is not { } root || !_started || !File.Exists(Path.Combine(root, "data", "postmaster.pid")))
        {
            return null;
        }

        try
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(root, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (IOException)
                {
                    continue; // ended meanwhile
                }

                // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                        + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
                else if (ppid == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }

            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Grain-state rows of the runs whose ids start with <paramref name="runPrefix"/>, by state name: rows, and writes (their versions: 1 at insert, +1 a write).</summary>
    public static async Task<IReadOnlyList<(string State, long Rows, long Writes)>> StateWritesAsync(BenchDatabase database, string runPrefix)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT graintypestring, count(*), coalesce(sum(version), 0)::bigint FROM orleansstorage WHERE grainidextensionstring LIKE $1 GROUP BY 1 ORDER BY 3 DESC",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runPrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%" });
        var rows = new List<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Run(Stop);
    }

    /// <summary>Stops an owned server and deletes its directory; synchronous, so it can run at process exit. Idempotent.</summary>
    public void Stop()
    {
        var root = Interlocked.Exchange(ref _root, null);
        if (root is null)
        {
            return;
        }

        if (_started)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                Run(root, "pg_ctl", ["-D", Path.Combine(root, "data"), "-m", "fast", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(60));
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine($"bench postgres: pg_ctl stop failed: {ex.Message}");
            }

            _started = false;
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bench postgres: could not delete {root}: {ex.Message}");
        }
    }

    private async Task InitializeAsync()
    {
        _root = CreateRoot();
        var data = Path.Combine(_root, "data");
        Run(_root, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], TimeSpan.FromSeconds(120));
        for (var attempt = 1; ; attempt++)
        {
            // A port found free may be taken before the server binds it: try another.
            var port = FreePort();
            try
            {
                Run(
                    _root,
                    "pg_ctl",
                    [
                        "-D", data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
                        "-o", $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements{string.Concat(_extra.Select(e => " -c " + e))}",
                        "start",
                    ],
                    TimeSpan.FromSeconds(90));
                _started = true;
                ConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    Pooling = false,
                    Timeout = 10,
                    CommandTimeout = 60,
                }.ConnectionString;
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }

        await ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await DescribeAsync();
    }

    private async Task DescribeAsync()
    {
        var version = await ScalarAsync("SHOW server_version");
        var settings = new List<string>();
        foreach (var name in new[] { "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay", "max_connections" })
        {
            settings.Add($"{name}={await ScalarAsync($"SHOW {name}")}");
        }

        try
        {
            await ScalarAsync("SELECT count(*) FROM pg_stat_statements");
            Statements = true;
        }
        catch (PostgresException)
        {
            Statements = false; // not installed in this database, or not preloaded: statements are not counted by kind
        }

        var where = new NpgsqlConnectionStringBuilder(ConnectionString);
        Description = $"PostgreSQL {version} on {where.Host}:{where.Port} ({(Owned ? $"started by the bench from {_bin}, data in {_root}" : "an existing server")}); " +
            $"{string.Join(", ", settings)}; pg_stat_statements {(Statements ? "read" : "not available")}";
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static string FindBinaries()
    {
        const string Versions = "/usr/lib/postgresql";
        var candidates = Directory.Exists(Versions)
            ? Directory.GetDirectories(Versions)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : -1))
                .Where(c => c.Version >= 0 && File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
        return candidates.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException("--postgres: no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on the PATH; install postgresql, or pass --postgres CONNECTION_STRING");
    }

    private static string FindUnprivilegedUser()
    {
        var users = File.Exists("/etc/passwd")
            ? File.ReadLines("/etc/passwd").Select(line => line.Split(':')[0]).ToHashSet(StringComparer.Ordinal)
            : [];
        return users.Contains("postgres") ? "postgres"
            : users.Contains("nobody") ? "nobody"
            : throw new InvalidOperationException("--postgres as root: neither a 'postgres' nor a 'nobody' user to run PostgreSQL as (initdb refuses root)");
    }

    private string CreateRoot()
    {
        // Short (the socket path is limited to about 100 bytes) and reachable by the server's user.
        var root = Path.Combine(_runAs is null ? Path.GetTempPath() : "/tmp", "owf-bench-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        if (_runAs is not null)
        {
            using var chown = Process.Start(new ProcessStartInfo("chown", [_runAs, root]) { UseShellExecute = false })!;
            chown.WaitForExit();
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown {_runAs} {root} failed with exit code {chown.ExitCode}");
            }
        }

        return root;
    }

    /// <summary>Runs a PostgreSQL binary (as <see cref="_runAs"/> when root); fails with its output when it fails.</summary>
    private void Run(string root, string tool, IReadOnlyList<string> arguments, TimeSpan deadline)
    {
        var program = Path.Combine(_bin!, tool);
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = root,
        };
        IEnumerable<string> all = _runAs is null
            ? arguments
            : Which("runuser") is { } runuser
                ? new[] { "-u", _runAs, "--", program }.Concat(arguments).Prepend(runuser)
                : Which("setpriv") is { } setpriv
                    ? new[] { $"--reuid={_runAs}", $"--regid={_runAs}", "--init-groups", "--", program }.Concat(arguments).Prepend(setpriv)
                    : throw new InvalidOperationException("--postgres as root: neither runuser nor setpriv is available to run PostgreSQL as another user");
        if (_runAs is null)
        {
            start.FileName = program;
        }
        else
        {
            start.FileName = all.First();
            all = all.Skip(1);
        }

        foreach (var argument in all)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();

        // The server started by pg_ctl inherits these pipes' write ends only through its log file, not these; still,
        // read them asynchronously so nothing waits on their end of file.
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within {deadline.TotalSeconds:0} s:\n{Text()}");
        }

        if (process.ExitCode != 0)
        {
            var log = Path.Combine(root, "server.log");
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{Text()}{(File.Exists(log) ? "\nserver.log:\n" + File.ReadAllText(log) : string.Empty)}");
        }

        string Text()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly string[] SystemBinaries = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    private static string? Which(string name) =>
        SystemBinaries
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>One scenario's database.</summary>
internal sealed record BenchDatabase(BenchPostgres Server, string Name, long Oid, string ConnectionString);

/// <summary>One pg_stat_statements entry: its normalized text, calls, rows, and execution time in ms.</summary>
internal sealed record StatementCount(string Query, long Calls, long Rows, double ExecMs);

/// <summary>
/// A snapshot of one database's counters: committed and rolled-back transactions (<c>pg_stat_database</c>), the next
/// transaction id (every transaction that wrote got one; server-wide), WAL syncs and bytes (<c>pg_stat_wal</c>,
/// server-wide), and pg_stat_statements by query id.
/// </summary>
internal sealed record DatabaseCounters(
    DateTime At,
    long Commits,
    long Rollbacks,
    long NextXid,
    long WalSyncs,
    long WalBytes,
    IReadOnlyDictionary<long, StatementCount> Statements)
{
    /// <summary>How long the settle before this read waited.</summary>
    public TimeSpan SettledAfter { get; init; }
}
