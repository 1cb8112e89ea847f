using System.Diagnostics;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>The silo executable with a bad setting: it says which key and why on stderr, and exits 1 before it starts anything.</summary>
public sealed class SiloConfigurationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Workflow__SiloPort", "70000", "owf silo: Workflow:SiloPort must be between 1 and 65535 (it is 70000)")]
    [InlineData("Workflow__AdvertisedAddress", "not-an-ip", "owf silo: Workflow:AdvertisedAddress must be an IP address")]
    [InlineData("Workflow__ResendInterval", "00:00:00", "owf silo: Workflow:ResendInterval must be longer than 0")]
    [InlineData("Workflow__MissedProbesLimit", "many", "owf silo: Failed to convert configuration value 'many' at 'Workflow:MissedProbesLimit'")]
    public async Task Silo_BadSetting_ExitsOneNamingTheKey(string key, string value, string expected)
    {
        var start = new ProcessStartInfo(Paths.Dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Paths.SiloDll);
        start.Environment["Workflow__HttpPort"] = "0";
        start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A guard against a silo that starts anyway, not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the silo with {key}={value} did not exit within a minute:\n{await stdout}\n{await stderr}");
        }

        var (outText, errText) = (await stdout, await stderr);
        output.WriteLine($"{key}={value} -> exit {process.ExitCode}\nstdout: {outText}\nstderr: {errText}");
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith(expected, errText.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outText + errText, StringComparison.Ordinal);
    }
}
