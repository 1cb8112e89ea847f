using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Orleans.Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A real, throw-away PostgreSQL server for tests: the machine's own binaries (<c>$OWF_TEST_POSTGRES_BIN</c>, else
/// <c>/usr/lib/postgresql/&lt;highest version&gt;/bin</c>, else <c>initdb</c> on the PATH), a fresh cluster in a
/// temporary directory (<c>initdb -U postgres -A trust --no-sync</c>), started by <c>pg_ctl</c> on a free port of
/// 127.0.0.1 with its socket in that directory. initdb and postgres refuse to run as root: as root, the binaries
/// run as the <c>postgres</c> user (else <c>nobody</c>) through <c>runuser -u USER --</c> (else <c>setpriv</c>,
/// else <c>su</c>), and the directory (under /tmp) is handed to that user. Disposing stops it (<c>pg_ctl -m immediate stop</c>) and deletes the directory.
/// Adapted from the sql plugin tests' server: it can also be stopped and started again on the same port and data
/// (<see cref="StopAsync"/>, <see cref="StartAsync"/>), and hands out a fresh database per test (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Environment variable naming the bin directory to use instead of searching for one.</summary>
    public const string BinOverride = "OWF_TEST_POSTGRES_BIN";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    private string? _bin;
    private string? _root;
    private string? _runAs;
    private bool _started;

    public string ConnectionString { get; private set; } = null!;

    public int Port { get; private set; }

    /// <summary>The directory holding the cluster (<c>data</c>), its log (<c>server.log</c>) and its socket.</summary>
    public string Root => _root ?? throw new InvalidOperationException("the server has not been started");

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _runAs = Environment.IsPrivilegedProcess ? FindUnprivilegedUser() : null;
        _root = CreateRoot();
        try
        {
            var data = Path.Combine(_root, "data");
            await RunAsync(
                "initdb",
                ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                TimeSpan.FromSeconds(120));

            // The free port is found by binding port 0 and releasing it: another process may take it in between,
            // so a failed start is retried on a new port.
            for (var attempt = 1; ; attempt++)
            {
                Port = FreePort();
                try
                {
                    await StartServerAsync();
                    break;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // Probably a port taken in between: try another one.
                }
            }

            ConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = Port,
                Username = "postgres",
                Database = "postgres",
                Timeout = 10,
                CommandTimeout = 60,
            }.ConnectionString;
            await WaitUntilConnectableAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_root is null)
        {
            return;
        }

        if (_started)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await RunAsync("pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(60));
            }
            catch (InvalidOperationException)
            {
                // Already stopped; deleting its directory below is all that is left to do.
            }

            _started = false;
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is not worth failing a test run for.
        }
        catch (UnauthorizedAccessException)
        {
        }

        _root = null;
    }

    /// <summary>Stops the server (<c>pg_ctl -m fast stop</c>), keeping its data and port for <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (!_started)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_ctl", ["-D", Path.Combine(Root, "data"), "-m", "fast", "-w", "-t", "60", "stop"], TimeSpan.FromSeconds(90));
        _started = false;
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port and data.</summary>
    public async Task StartAsync()
    {
        if (_started)
        {
            return;
        }

        await StartServerAsync();
        await WaitUntilConnectableAsync();
    }

    /// <summary>Creates an empty database and answers a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await ScalarAsync($"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A fresh database with a unique name (letters, digits and '_').</summary>
    public Task<string> CreateDatabaseAsync() => CreateDatabaseAsync("owf_" + Guid.NewGuid().ToString("N")[..16]);

    /// <summary>Runs one statement on the server (test setup and checks).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Runs a query and answers its rows as text, one string per row, columns joined by '|'.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                values[i] = reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            }

            rows.Add(string.Join('|', values));
        }

        return rows;
    }

    private async Task StartServerAsync()
    {
        await RunAsync(
            "pg_ctl",
            [
                "-D", Path.Combine(Root, "data"), "-l", Path.Combine(Root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {Port} -k {Root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                "start",
            ],
            TimeSpan.FromSeconds(90));
        _started = true;
    }

    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable(BinOverride) is { Length: > 0 } chosen)
        {
            return File.Exists(Path.Combine(chosen, "initdb")) && File.Exists(Path.Combine(chosen, "pg_ctl"))
                ? chosen
                : throw new InvalidOperationException($"{BinOverride}={chosen} holds no initdb and pg_ctl; point it to a PostgreSQL server's bin directory (or unset it)");
        }

        const string Versions = "/usr/lib/postgresql";
        var candidates = Directory.Exists(Versions)
            ? Directory.GetDirectories(Versions)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                .Where(c => c.Version is not null && File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
        return candidates.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on the PATH. " +
                "The PostgreSQL tests start a real PostgreSQL: install it (Debian/Ubuntu: apt-get install postgresql; CI installs it).");
    }

    private static Version? ParseVersion(string name)
    {
        var parts = name.Split('.');
        return parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            ? new Version(int.Parse(parts[0], CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0)
            : null;
    }

    /// <summary>As root: the user the server runs as (initdb refuses root).</summary>
    private static string FindUnprivilegedUser()
    {
        var users = File.Exists("/etc/passwd")
            ? File.ReadLines("/etc/passwd").Select(line => line.Split(':')[0]).ToHashSet(StringComparer.Ordinal)
            : [];
        return users.Contains("postgres") ? "postgres"
            : users.Contains("nobody") ? "nobody"
            : throw new InvalidOperationException("running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as (initdb refuses to run as root)");
    }

    private string CreateRoot()
    {
        // Short (the socket path is limited to ~100 bytes) and reachable by the server's user: as root, under /tmp.
        var parent = _runAs is null ? Path.GetTempPath() : "/tmp";
        var root = Directory.CreateTempSubdirectory("owf-pg-").FullName;
        if (!root.StartsWith(parent, StringComparison.Ordinal))
        {
            Directory.Delete(root);
            root = Path.Combine(parent, "owf-pg-" + Guid.NewGuid().ToString("N")[..10]);
            Directory.CreateDirectory(root);
        }

        if (_runAs is not null)
        {
            var chown = Process.Start(new ProcessStartInfo("chown", [_runAs, root]) { UseShellExecute = false })!;
            chown.WaitForExit();
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown {_runAs} {root} failed with exit code {chown.ExitCode}");
            }
        }

        return root;
    }

    /// <summary>Runs a PostgreSQL binary (as <see cref="_runAs"/> when root) and fails with its output when it fails.</summary>
    private async Task RunAsync(string tool, IReadOnlyList<string> arguments, TimeSpan deadline)
    {
        var program = Path.Combine(_bin!, tool);
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _root,
        };
        if (_runAs is null)
        {
            start.FileName = program;
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
        }
        else if (Which("runuser") is { } runuser)
        {
            start.FileName = runuser;
            foreach (var argument in new[] { "-u", _runAs, "--", program }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
        }
        else if (Which("setpriv") is { } setpriv)
        {
            start.FileName = setpriv;
            foreach (var argument in new[] { $"--reuid={_runAs}", $"--regid={_runAs}", "--init-groups", "--", program }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = Which("su") ?? throw new InvalidOperationException("running as root, but none of runuser, setpriv and su is available to run PostgreSQL as another user");
            start.ArgumentList.Add("-s");
            start.ArgumentList.Add("/bin/sh");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(string.Join(' ', new[] { program }.Concat(arguments).Select(Quote)));
            start.ArgumentList.Add(_runAs);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();

        // pg_ctl's server writes to its log file, not to these pipes; still, read them without waiting for EOF
        // beyond the process's own exit, so a child that inherited them cannot hang the fixture.
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within {deadline.TotalSeconds:0}s:\n{Text(output)}");
        }

        if (process.ExitCode != 0)
        {
            var log = _root is not null && File.Exists(Path.Combine(_root, "server.log")) ? "\nserver.log:\n" + await File.ReadAllTextAsync(Path.Combine(_root, "server.log")) : string.Empty;
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}{(_runAs is null ? string.Empty : $" (run as user '{_runAs}')")}:\n{Text(output)}{log}");
        }

        static string Text(StringBuilder output)
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private async Task WaitUntilConnectableAsync()
    {
        var limit = DateTime.UtcNow + StartDeadline;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException && DateTime.UtcNow < limit)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Which(string name) =>
        new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
