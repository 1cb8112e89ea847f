using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using Orleans.Workflow.Client;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>The built <c>owf</c>, as a process, against a cluster of silo processes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CliClusterTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private const string Hello = "examples/playbooks/hello.yaml";

    [Fact]
    public async Task Owf_AgainstACluster_RunsDetachesShowsStatusAndSaysWhatIsWrong()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        await cluster.StartSilosAsync(2);
        var cs = cluster.ConnectionString;

        // owf run --json waits for the run and prints its final snapshot.
        var run = await OwfAsync(["run", Hello, "--cluster", cs, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var finished = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal("succeeded", (string?)finished["status"]);
        Assert.Equal("hello", (string?)finished["playbook"]);
        Assert.Equal(4, (int?)finished["outputs"]!["greeted"]);

        // --detach prints the id and returns at once; the run goes on in the cluster.
        var detached = await OwfAsync(["run", Hello, "--cluster", cs, "--detach"]);
        Assert.True(detached.ExitCode == 0, detached.ToString());
        var id = detached.Stdout.Trim();
        Assert.Matches("^[0-9a-z]{26}$", id);
        var client = await cluster.ConnectAsync();
        var snapshot = await client.WaitForEndAsync(id);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);

        // owf status --json prints the same snapshot as the library (and the same shape as owf run --json); the
        // cluster may come from OWF_CLUSTER as well.
        var status = await OwfAsync(["status", id, "--json", "--cluster", cs]);
        Assert.True(status.ExitCode == 0, status.ToString());
        var shown = JsonNode.Parse(status.Stdout)!.AsObject();
        Assert.Equal(RunSnapshotJson.ToJson(snapshot).ToJsonString(), shown.ToJsonString());
        Assert.Equal(Shape(finished), Shape(shown));
        var fromEnvironment = await OwfAsync(["status", id, "--json"], new Dictionary<string, string> { ["OWF_CLUSTER"] = cs });
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.Equal(shown.ToJsonString(), JsonNode.Parse(fromEnvironment.Stdout)!.ToJsonString());

        // No such run: exit code 4, saying so.
        var missing = await OwfAsync(["status", "nosuch", "--cluster", cs]);
        Assert.True(missing.ExitCode == 4, missing.ToString());
        Assert.Contains("nosuch", missing.Stderr, StringComparison.Ordinal);

        // Nothing listens where the cluster is said to be: exit code 3, naming host:port.
        var port = SiloProcess.FreePort();
        var nowhere = new NpgsqlConnectionStringBuilder(cs) { Port = port, Timeout = 3 }.ConnectionString;
        var unreachable = await OwfAsync(["status", id, "--cluster", nowhere]);
        Assert.True(unreachable.ExitCode == 3, unreachable.ToString());
        Assert.Contains($"127.0.0.1:{port}", unreachable.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unreachable.Stdout + unreachable.Stderr, StringComparison.Ordinal);
        var unreachableRun = await OwfAsync(["run", Hello, "--cluster", nowhere]);
        Assert.True(unreachableRun.ExitCode == 3, unreachableRun.ToString());
        Assert.Contains($"127.0.0.1:{port}", unreachableRun.Stderr, StringComparison.Ordinal);
        cluster.Log($"unreachable: {unreachable.Stderr.Trim()}");
        cluster.Passed();
    }

    /// <summary>The keys of a snapshot, recursively (arrays by their first item), without the values.</summary>
    private static string Shape(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Select(p => p.Key + ":" + Shape(p.Value))) + "}",
        JsonArray a => "[" + (a.Count > 0 ? Shape(a[0]) : string.Empty) + "]",
        _ => string.Empty,
    };

    private async Task<OwfResult> OwfAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Paths.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Paths.RepoRoot,
        };
        start.ArgumentList.Add(Paths.OwfDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("OWF_CLUSTER");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
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
            throw new TimeoutException($"owf {string.Join(' ', args)} did not exit within 2 minutes");
        }

        var result = new OwfResult(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"owf {string.Join(' ', args.Select(a => a.Contains(';', StringComparison.Ordinal) ? "CS" : a))} -> {result.ExitCode} in {watch.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    private sealed record OwfResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}
