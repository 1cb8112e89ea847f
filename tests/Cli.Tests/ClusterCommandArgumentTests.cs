using System.Net;
using System.Net.Sockets;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>
/// The cluster commands without a cluster: bad arguments and bad JSON are refused before anything connects, and a
/// command given no cluster says why it needs one and how to give it (exit 2).
/// </summary>
public sealed class ClusterCommandArgumentTests : IDisposable
{
    private readonly TempFiles _files = new();
    private readonly string? _clusterBefore = Environment.GetEnvironmentVariable("OWF_CLUSTER");

    public ClusterCommandArgumentTests()
    {
        // These tests are about having no cluster; no other test reads OWF_CLUSTER (they pass --cluster).
        Environment.SetEnvironmentVariable("OWF_CLUSTER", null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("OWF_CLUSTER", _clusterBefore);
        _files.Dispose();
    }

    [Theory]
    [InlineData("playbooks", "list")]
    [InlineData("playbooks", "show", "etl")]
    [InlineData("playbooks", "versions", "etl")]
    [InlineData("playbooks", "diff", "etl", "1", "2")]
    [InlineData("playbooks", "enable", "etl")]
    [InlineData("playbooks", "disable", "etl")]
    [InlineData("history", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("watch", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("logs", "01a2063cfb17dcc55d6c755d40", "--follow")]
    [InlineData("cancel", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("pause", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("resume", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("signal", "01a2063cfb17dcc55d6c755d40", "go", "{\"ok\": true}")]
    [InlineData("retry", "01a2063cfb17dcc55d6c755d40", "--wait")]
    [InlineData("status", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("runs", "--status", "failed")]
    public async Task ClusterCommand_WithoutACluster_ExitsTwoSayingHowToGiveOne(params string[] args)
    {
        var result = await CliKit.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains("no cluster given", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("embedded silo", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--cluster \"Host=", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("OWF_CLUSTER", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WithoutACluster_ValidatesButRegistersNothing()
    {
        var good = _files.Write("good.yaml", "name: good\ntasks:\n  only:\n    steps:\n      - uses: noop\n");
        var bad = _files.Write("bad.yaml", "name: bad\ntasks:\n  only:\n    steps:\n      - uses: nosuchplugin\n");

        var result = await CliKit.RunAsync("playbooks", "register", good, bad, Path.Combine(_files.Directory, "missing.yaml"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("bad.yaml:5:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("missing.yaml: no such file or folder", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 of 3 file(s) validate, but none was registered", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no cluster given", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_PayloadThatIsNotJson_IsRefusedBeforeConnecting()
    {
        var result = await CliKit.RunAsync("signal", "01a2063cfb17dcc55d6c755d40", "approved", "{by: ada}", "--cluster", "Host=127.0.0.1;Port=1;Username=x;Database=x");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("the payload is not valid JSON", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("{by: ada}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("'{\"ok\": true}'", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("retry", "01a2063cfb17dcc55d6c755d40", "-p", "novalue")]
    [InlineData("retry", "01a2063cfb17dcc55d6c755d40", "-p", "a=1", "-p", "a=2")]
    public async Task Retry_BadParam_IsRefusedBeforeConnecting(params string[] args)
    {
        var result = await CliKit.RunAsync([.. args, "--cluster", "Host=127.0.0.1;Port=1;Username=x;Database=x"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("owf retry: -p ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MistypedCommand_WithAClusterPassword_NeverShowsThePassword()
    {
        var result = await CliKit.RunAsync(["statsu", "run-1", "--cluster", "Host=db;Username=owf;Password=hunter2-secret;Database=owf"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("hunter2-secret", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Password=***", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("playbooks")]
    [InlineData("signal", "01a2063cfb17dcc55d6c755d40")]
    [InlineData("playbooks", "diff", "etl")]
    [InlineData("logs", "01a2063cfb17dcc55d6c755d40", "--tail")]
    public async Task MissingOrUnknownArguments_ExitTwo(params string[] args)
    {
        var result = await CliKit.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Try 'owf --help'", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("playbooks", "register")]
    [InlineData("playbooks", "diff")]
    [InlineData("logs")]
    [InlineData("signal")]
    [InlineData("retry")]
    [InlineData("watch")]
    public async Task Help_NamesExitCodesAndExamples(params string[] command)
    {
        var result = await CliKit.RunAsync([.. command, "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Exit codes", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Examples:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--cluster", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_ClusterThatIsNotThere_ExitsThreeNamingIt()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await CliKit.RunAsync("history", "01a2063cfb17dcc55d6c755d40", "--cluster", $"Host=127.0.0.1;Port={port};Username=owf;Database=owf;Timeout=3");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"127.0.0.1:{port}/owf", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
