using System.Diagnostics;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>SIGTERM to a real <c>owf run</c>: the run is cancelled, its processes end, owf exits 1.</summary>
public sealed class InterruptTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_Sigterm_CancelsTheRunKillsItsProcessesAndExitsOne()
    {
        var pidFile = Path.Combine(_files.Directory, "sleeper.pid");
        var playbook = _files.Write("sleepy.yaml", $$"""
            name: sleepy
            tasks:
              nap:
                steps:
                  - uses: shell
                    with: { run: "echo $$ > {{pidFile}}; sleep 300" }
            """);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProcessTests.OwfDll());
        start.ArgumentList.Add("run");
        start.ArgumentList.Add(playbook);
        using var owf = Process.Start(start)!;
        var stdout = owf.StandardOutput.ReadToEndAsync();
        var stderr = owf.StandardError.ReadToEndAsync();
        try
        {
            var sleeper = await WaitForPidAsync(pidFile, TimeSpan.FromMinutes(1));
            using (var kill = Process.Start("kill", ["-TERM", owf.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await owf.WaitForExitAsync(guard.Token);
            Assert.True(owf.ExitCode == 1, $"exit {owf.ExitCode}\n{await stdout}\n{await stderr}");
            Assert.Contains("cancelled", await stdout, StringComparison.Ordinal);
            Assert.Contains("interrupted; cancelling run", await stderr, StringComparison.Ordinal);
            Assert.False(Alive(sleeper), $"the step's process {sleeper} is still running");
        }
        finally
        {
            if (!owf.HasExited)
            {
                owf.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<int> WaitForPidAsync(string path, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path) && int.TryParse((await File.ReadAllTextAsync(path)).Trim(), out var pid))
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the step never wrote {path}");
    }

    // Alive and not a zombie (PID 1 here may not reap orphans).
    private static bool Alive(int pid)
    {
        var status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
    }
}
