using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>
/// One silo as an operator runs it: <c>dotnet Orleans.Workflow.Silo.dll</c> in a process of its own, configured
/// through <c>Workflow__*</c> environment variables, on free loopback ports, its stdout and stderr written to a
/// log file (by the shell that starts it, so nothing in this process has to pump them).
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private bool _disposed;

    private SiloProcess(Process process, string name, string logPath, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        Pid = process.Id;
        Name = name;
        LogPath = logPath;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public int Pid { get; }

    public bool HasExited => _disposed || _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the silo (not waiting for it to be ready; see <see cref="WaitReadyAsync"/>).</summary>
    public static SiloProcess Start(string name, string connectionString, string directory, IReadOnlyDictionary<string, string>? settings = null)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var httpPort = FreePort();
        var log = Path.Combine(directory, name + ".log");

        // exec: the shell becomes the silo, so the pid, the signals and the exit code are the silo's own.
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = directory,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[] { "-c", "exec \"$0\" \"$1\" >>\"$2\" 2>&1", Paths.Dotnet, Paths.SiloDll, log })
        {
            start.ArgumentList.Add(argument);
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Workflow__Postgres"] = connectionString,
            ["Workflow__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Workflow__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Workflow__HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Workflow__AdvertisedAddress"] = "127.0.0.1",
            ["Workflow__ResendInterval"] = "00:00:01",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Orleans.Runtime.SiloOptionsLogger"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        File.AppendAllText(log, $"# {name}: silo port {siloPort}, gateway {gatewayPort}, http {httpPort}, started {DateTime.UtcNow:HH:mm:ss.fff} UTC\n");
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a silo process");
        process.StandardInput.Close();
        return new SiloProcess(process, name, log, siloPort, gatewayPort, httpPort);
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (the silo is Active in the cluster).</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        await Eventually.HoldsAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"silo {Name} exited with code {_process.ExitCode} before it was ready:\n{Tail(40)}");
                }

                return await GetAsync("/readyz") == HttpStatusCode.OK;
            },
            $"silo {Name} ready (/readyz on port {HttpPort})",
            () => Tail(20),
            timeout ?? TimeSpan.FromSeconds(90),
            TimeSpan.FromMilliseconds(200));
    }

    /// <summary>The status of a GET on the silo's health port, or null when nothing answers.</summary>
    public async Task<HttpStatusCode?> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>kill -9: the silo dies at once, with no chance to tell anyone (its step processes are left running, as on a real crash).</summary>
    public void Kill() => Signal("KILL");

    /// <summary>kill -TERM: a graceful stop (the host drains and stops).</summary>
    public void Terminate() => Signal("TERM");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo {Name} (pid {Pid}) did not exit within {timeout}:\n{Tail(30)}");
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// The processes this silo started, and theirs, running now: its steps' shell processes (each in a session
    /// of its own, but still the silo's children) and what they run, with their command lines.
    /// </summary>
    public IReadOnlyList<(int Pid, string CommandLine)> Descendants()
    {
        if (_process.HasExited)
        {
            return [];
        }

        var parents = new Dictionary<int, int>();
        var commands = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                parents[pid] = parent;
                commands[pid] = command;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // It ended while we looked.
            }
        }

        var found = new List<(int, string)>();
        var frontier = new Queue<int>([Pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    found.Add((pid, commands[pid]));
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    public string Log() => File.Exists(LogPath) ? ReadShared(LogPath) : string.Empty;

    public string Tail(int lines) => string.Join('\n', Log().Split('\n').TakeLast(lines));

    /// <summary>Kills the silo if it still runs (and what it started), then waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Gone already, or beyond help.
        }
        finally
        {
            _disposed = true;
            _process.Dispose();
        }
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill -{signal} {Pid} failed with exit code {kill.ExitCode}");
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port nothing listens on now, and not one handed out before by this process.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
