using System.Diagnostics;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>Runs the built <c>owf</c> as a real process, to prove its exit codes reach the shell.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    internal static string OwfDll()
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "owf.dll") };
        foreach (var configuration in new[] { "Debug", "Release" })
        {
            candidates.Add(Path.Combine(CliKit.RepoRoot, "src", "Cli", "bin", configuration, "net10.0", "owf.dll"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("owf.dll not found; looked at:\n" + string.Join("\n", candidates));
    }

    internal static async Task<CliResult> RunProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = CliKit.RepoRoot,
        };
        start.ArgumentList.Add(OwfDll());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A guard against a hung process, not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, (await stdout).Replace("\r\n", "\n", StringComparison.Ordinal), (await stderr).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_ValidExamplesRelativePaths_ExitCodeZero()
    {
        var result = await RunProcessAsync("validate", "examples/playbooks/hello.yaml", "examples/playbooks/etl-countries.yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task Process_InvalidPlaybook_ExitCodeTwoWithDiagnosticLines()
    {
        var path = _files.Write("broken.yaml", """
            name: broken
            tasks:
              a:
                needs: [missing]
                steps:
                  - uses: nope
            """);

        var result = await RunProcessAsync("validate", path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(2, result.StdoutLines.Length);
        Assert.StartsWith($"{path}:4:13: error: ", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{path}:6:9: error: ", result.StdoutLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_JunkFile_ExitCodeTwoWithoutStackTrace()
    {
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        var path = _files.Write("junk.bin", junk);

        var result = await RunProcessAsync("validate", "--json", path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        Assert.Equal(path, json.RootElement[0].GetProperty("file").GetString());
    }

    [Fact]
    public async Task Process_BadArguments_ExitCodeTwo()
    {
        var result = await RunProcessAsync("validate");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("owf: ", result.Stderr, StringComparison.Ordinal);
    }
}
