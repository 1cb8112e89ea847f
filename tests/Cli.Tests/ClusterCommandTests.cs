using System.Text.Json.Nodes;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>
/// The <c>owf</c> command set against a real cluster (PostgreSQL and one silo, shared by the class): playbooks,
/// run controls, watch, history and logs, invoked in process as a user would type them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCommandTests(ClusterFixture cluster) : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Playbooks_RegisterListVersionsShowDiff()
    {
        var v1 = _files.Write("catalog.yaml", """
            name: cli-catalog
            tasks:
              only:
                steps:
                  - { id: say, uses: log, with: { message: "version one" } }
            """);

        var registered = await cluster.OwfAsync("playbooks", "register", v1);
        Assert.True(registered.ExitCode == 0, registered.ToString());
        Assert.Contains("cli-catalog", registered.Stdout, StringComparison.Ordinal);
        Assert.Contains("new version", registered.Stdout, StringComparison.Ordinal);

        var again = await cluster.OwfAsync("playbooks", "register", v1, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        var againJson = JsonNode.Parse(again.Stdout)!.AsArray().Single()!;
        Assert.Equal("unchanged", (string?)againJson["outcome"]);
        Assert.Equal(1, (int?)againJson["number"]);

        File.WriteAllText(v1, """
            name: cli-catalog
            tasks:
              only:
                steps:
                  - { id: say, uses: log, with: { message: "version two" } }
                  - { id: more, uses: noop }
            """);
        var second = await cluster.OwfAsync("playbooks", "register", _files.Directory, "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(2, (int?)JsonNode.Parse(second.Stdout)!.AsArray().Single()!["number"]);

        var list = await cluster.OwfAsync("playbooks", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = JsonNode.Parse(list.Stdout)!.AsArray().Single(p => (string?)p!["name"] == "cli-catalog")!;
        Assert.Equal(2, (int?)listed["versions"]);
        Assert.True((bool?)listed["enabled"]);
        var table = await cluster.OwfAsync("playbooks", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"(?m)^NAME\s+VERSIONS\s+CURRENT\s+ENABLED\s+REGISTERED$", table.Stdout);
        Assert.Matches(@"(?m)^cli-catalog\s+2\s+[0-9a-f]{12}\s+yes\s+", table.Stdout);

        var versions = await cluster.OwfAsync("playbooks", "versions", "cli-catalog", "--json");
        Assert.True(versions.ExitCode == 0, versions.ToString());
        var versionList = JsonNode.Parse(versions.Stdout)!.AsArray();
        Assert.Equal([1, 2], versionList.Select(v => (int)v!["number"]!));
        Assert.Equal([false, true], versionList.Select(v => (bool)v!["current"]!));
        var firstHash = (string)versionList[0]!["version"]!;

        var show = await cluster.OwfAsync("playbooks", "show", "cli-catalog", "--version", "1");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("1 of 2", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("version one", show.Stdout, StringComparison.Ordinal);
        var showCurrent = await cluster.OwfAsync("playbooks", "show", "cli-catalog", "--json");
        Assert.True(showCurrent.ExitCode == 0, showCurrent.ToString());
        var current = JsonNode.Parse(showCurrent.Stdout)!;
        Assert.Equal(2, (int?)current["number"]);
        Assert.Contains("version two", (string)current["yaml"]!, StringComparison.Ordinal);

        // diff: like diff(1), 1 when the versions differ, 0 when they are the same; versions by number or hash prefix.
        var diff = await cluster.OwfAsync("playbooks", "diff", "cli-catalog", firstHash[..10], "2");
        Assert.True(diff.ExitCode == 1, diff.ToString());
        Assert.Contains("--- cli-catalog version 1", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("+++ cli-catalog version 2", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("-      - { id: say, uses: log, with: { message: \"version one\" } }", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("+      - { id: more, uses: noop }", diff.Stdout, StringComparison.Ordinal);
        var same = await cluster.OwfAsync("playbooks", "diff", "cli-catalog", "2");
        Assert.True(same.ExitCode == 0 && same.Stdout.Length == 0, same.ToString());

        var noVersion = await cluster.OwfAsync("playbooks", "diff", "cli-catalog", "1", "7");
        Assert.True(noVersion.ExitCode == 4, noVersion.ToString());
        Assert.Contains("no version '7'", noVersion.Stderr, StringComparison.Ordinal);
        var noPlaybook = await cluster.OwfAsync("playbooks", "show", "cli-nosuch");
        Assert.True(noPlaybook.ExitCode == 4, noPlaybook.ToString());
        Assert.Contains("owf playbooks list", noPlaybook.Stderr, StringComparison.Ordinal);

        // A file that does not validate is named with its errors; the others are still registered.
        var broken = _files.Write("broken.yaml", "name: cli-broken\ntasks: {}\n");
        var mixed = await cluster.OwfAsync("playbooks", "register", broken, v1);
        Assert.True(mixed.ExitCode == 2, mixed.ToString());
        Assert.Contains("broken.yaml", mixed.Stderr, StringComparison.Ordinal);
        Assert.Contains("unchanged", mixed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Playbooks_DisableRefusesStartsUntilEnabled()
    {
        var file = _files.Write("gate.yaml", """
            name: cli-gate
            tasks:
              only:
                steps:
                  - { uses: noop }
            """);
        var registered = await cluster.OwfAsync("playbooks", "register", file);
        Assert.True(registered.ExitCode == 0, registered.ToString());

        var disabled = await cluster.OwfAsync("playbooks", "disable", "cli-gate", "--reason", "maintenance");
        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        Assert.Contains("playbook 'cli-gate' disabled", disabled.Stdout, StringComparison.Ordinal);
        var twice = await cluster.OwfAsync("playbooks", "disable", "cli-gate");
        Assert.True(twice.ExitCode == 1, twice.ToString());
        Assert.Contains("already disabled", twice.Stderr, StringComparison.Ordinal);
        var list = await cluster.OwfAsync("playbooks", "list");
        Assert.Matches(@"(?m)^cli-gate\s+1\s+[0-9a-f]{12}\s+no \(maintenance\)", list.Stdout);

        var refused = await CliKit.RunAsync("run", file, "--detach", "--cluster", cluster.ConnectionString);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("owf playbooks enable cli-gate", refused.Stderr, StringComparison.Ordinal);

        var enabled = await cluster.OwfAsync("playbooks", "enable", "cli-gate", "--json");
        Assert.True(enabled.ExitCode == 0, enabled.ToString());
        Assert.True((bool?)JsonNode.Parse(enabled.Stdout)!["applied"]);
        var enabledAgain = await cluster.OwfAsync("playbooks", "enable", "cli-gate");
        Assert.True(enabledAgain.ExitCode == 1, enabledAgain.ToString());
        Assert.Contains("already enabled", enabledAgain.Stderr, StringComparison.Ordinal);

        var started = await CliKit.RunAsync("run", file, "--detach", "--cluster", cluster.ConnectionString);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal(WorkStatus.Succeeded, (await cluster.Client.WaitForEndAsync(started.Stdout.Trim())).Status);

        var unknown = await cluster.OwfAsync("playbooks", "enable", "cli-nosuch");
        Assert.True(unknown.ExitCode == 4, unknown.ToString());
    }

    [Fact]
    public async Task Controls_PauseResumeCancel_SayWhatHappenedAndWhenTheyDoNotApply()
    {
        await RegisterAsync("hold.yaml", """
            name: cli-hold
            tasks:
              hold:
                steps:
                  - { id: gate, uses: wait, with: { signal: go } }
            """);
        var runId = await cluster.Client.StartRunAsync("cli-hold");
        await cluster.StepIsAsync(runId, "hold", "gate", WorkStatus.Running);

        var paused = await cluster.OwfAsync("pause", runId, "--reason", "testing");
        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.Contains($"run {runId} paused", paused.Stdout, StringComparison.Ordinal);
        Assert.Equal(WorkStatus.Paused, (await cluster.Client.GetSnapshotAsync(runId)).Status);
        var pausedAgain = await cluster.OwfAsync("pause", runId, "--json");
        Assert.True(pausedAgain.ExitCode == 1, pausedAgain.ToString());
        var answer = JsonNode.Parse(pausedAgain.Stdout)!;
        Assert.False((bool?)answer["applied"]);
        Assert.Equal($"run {runId} is already paused", (string?)answer["message"]);

        var resumed = await cluster.OwfAsync("resume", runId);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"run {runId} resumed", resumed.Stdout, StringComparison.Ordinal);
        var resumedAgain = await cluster.OwfAsync("resume", runId);
        Assert.True(resumedAgain.ExitCode == 1, resumedAgain.ToString());
        Assert.Contains("is not paused", resumedAgain.Stderr, StringComparison.Ordinal);

        var cancelled = await cluster.OwfAsync("cancel", runId, "--reason", "no longer needed");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.Equal(WorkStatus.Cancelled, (await cluster.Client.WaitForEndAsync(runId)).Status);
        var cancelledAgain = await cluster.OwfAsync("cancel", runId);
        Assert.True(cancelledAgain.ExitCode == 1, cancelledAgain.ToString());
        Assert.Contains("already cancelled", cancelledAgain.Stderr, StringComparison.Ordinal);
        var pauseEnded = await cluster.OwfAsync("pause", runId);
        Assert.True(pauseEnded.ExitCode == 1, pauseEnded.ToString());
        Assert.Contains("nothing to pause", pauseEnded.Stderr, StringComparison.Ordinal);

        // A run that ended cancelled is summarized at once by watch, with owf run's exit code for it.
        var watched = await cluster.OwfAsync("watch", runId);
        Assert.True(watched.ExitCode == 1, watched.ToString());
        Assert.Contains($"run {runId}  cli-hold  cancelled", watched.Stdout, StringComparison.Ordinal);

        var missing = await cluster.OwfAsync("cancel", "nosuchrun");
        Assert.True(missing.ExitCode == 4, missing.ToString());
        Assert.Contains("nosuchrun", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_ReachesTheWaitingStep_WhileWatchAndLogsFollowTheRun()
    {
        await RegisterAsync("signal.yaml", """
            name: cli-signal
            tasks:
              approve:
                steps:
                  - { id: before, uses: log, with: { message: "before the signal" } }
                  - { id: gate, uses: wait, with: { signal: approved } }
                  - { id: after, uses: log, with: { message: "approved by ${{ steps.gate.output.by }}" } }
            """);
        var runId = await cluster.Client.StartRunAsync("cli-signal");
        await cluster.StepIsAsync(runId, "approve", "gate", WorkStatus.Running);
        using var logs = LiveOwf.Start("logs", runId, "--follow", "--cluster", cluster.ConnectionString);
        using var watch = LiveOwf.Start("watch", runId, "--cluster", cluster.ConnectionString);
        await Poll.UntilAsync(() => logs.Stdout.Contains("before the signal", StringComparison.Ordinal), "owf logs --follow printed the first line", () => logs.ToString());
        await Poll.UntilAsync(() => watch.Stdout.Contains("watching run", StringComparison.Ordinal), "owf watch is watching", () => watch.ToString());

        var signalled = await cluster.OwfAsync("signal", runId, "approved", """{"by": "ada"}""");
        Assert.True(signalled.ExitCode == 0, signalled.ToString());
        Assert.Contains("signal 'approved' ", signalled.Stdout, StringComparison.Ordinal);

        var snapshot = await cluster.Client.WaitForEndAsync(runId);
        Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
        Assert.Equal("""{"by":"ada"}""", snapshot.Tasks.Single().Steps.Single(s => s.Id == "gate").OutputJson);

        Assert.Equal(0, await logs.ExitAsync());
        Assert.Contains("approved by ada", logs.Stdout, StringComparison.Ordinal);
        Assert.True(logs.Stdout.IndexOf("before the signal", StringComparison.Ordinal) < logs.Stdout.IndexOf("approved by ada", StringComparison.Ordinal), logs.ToString());
        Assert.Equal(0, await watch.ExitAsync());
        Assert.Contains("step approve.gate succeeded", watch.Stdout, StringComparison.Ordinal);
        Assert.Contains($"run {runId}  cli-signal  succeeded", watch.Stdout, StringComparison.Ordinal);

        var late = await cluster.OwfAsync("signal", runId, "approved");
        Assert.True(late.ExitCode == 1, late.ToString());
        Assert.Contains("already succeeded", late.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_FailedRunWithChangedParam_SecondAttemptSucceeds_AndHistoryAndLogsShowBoth()
    {
        await RegisterAsync("flaky.yaml", """
            name: cli-flaky
            params:
              code: { type: int, default: 3 }
            tasks:
              first:
                steps:
                  - { id: hello, uses: log, with: { message: "first ran" } }
              second:
                needs: [first]
                steps:
                  - { id: check, uses: shell, with: { run: "echo checking with ${{ params.code }}; exit ${{ params.code }}" } }
            """);
        var runId = await cluster.Client.StartRunAsync("cli-flaky");
        Assert.Equal(WorkStatus.Failed, (await cluster.Client.WaitForEndAsync(runId)).Status);

        var noTask = await cluster.OwfAsync("retry", runId, "--task", "nope");
        Assert.True(noTask.ExitCode == 2, noTask.ToString());
        Assert.Contains("no task 'nope'", noTask.Stderr, StringComparison.Ordinal);

        var retried = await cluster.OwfAsync("retry", runId, "-p", "code=0", "--wait");
        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains($"run {runId} attempt 2 started", retried.Stdout, StringComparison.Ordinal);
        Assert.Contains("step second.check succeeded", retried.Stdout, StringComparison.Ordinal);
        Assert.Contains($"run {runId}  cli-flaky  succeeded", retried.Stdout, StringComparison.Ordinal);
        var snapshot = await cluster.Client.GetSnapshotAsync(runId);
        Assert.Equal((WorkStatus.Succeeded, 2), (snapshot.Status, snapshot.Attempt));

        var nothingToRetry = await cluster.OwfAsync("retry", runId, "--json");
        Assert.True(nothingToRetry.ExitCode == 1, nothingToRetry.ToString());
        Assert.Contains("already succeeded", (string?)JsonNode.Parse(nothingToRetry.Stdout)!["message"], StringComparison.Ordinal);

        // The history is stored a moment after the events: wait for the second attempt's end to be there.
        JsonArray history = [];
        await Poll.UntilAsync(
            async () =>
            {
                var shown = await cluster.OwfAsync("history", runId, "--json");
                Assert.True(shown.ExitCode == 0, shown.ToString());
                history = JsonNode.Parse(shown.Stdout)!.AsArray();
                return history.Any(e => (string?)e!["kind"] == "run_succeeded");
            },
            "the run's stored history has its end",
            () => history.ToJsonString());
        var kinds = history.Select(e => (string)e!["kind"]!).ToList();
        Assert.Equal("run_started", kinds[0]);
        Assert.True(kinds.IndexOf("run_failed") < kinds.IndexOf("run_retried") && kinds.IndexOf("run_retried") < kinds.IndexOf("run_succeeded"), string.Join(", ", kinds));
        Assert.Contains(history, e => (string?)e!["kind"] == "step_failed" && (string?)e["step"] == "check");
        var positions = history.Select(e => (long)e!["position"]!).ToList();
        Assert.Equal(positions.Order(), positions);
        var table = await cluster.OwfAsync("history", runId);
        Assert.Matches(@"(?m)^POSITION\s+TIME\s+EVENT\s+WHERE\s+ATTEMPT\s+MESSAGE$", table.Stdout);
        Assert.Matches(@"(?m)^\d+\s+\S+ \S+\s+run_retried\s+run\s+(\d+\s+)?attempt 2", table.Stdout);

        var logs = await cluster.OwfAsync("logs", runId);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains("step first.hello | first ran", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("step second.check | checking with 3", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("step second.check | checking with 0", logs.Stdout, StringComparison.Ordinal);
        var onlySecond = await cluster.OwfAsync("logs", runId, "--task", "second", "--json");
        Assert.True(onlySecond.ExitCode == 0, onlySecond.ToString());
        var lines = onlySecond.StdoutLines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["checking with 3", "checking with 0"], lines.Select(l => (string)l["line"]!));
        Assert.All(lines, l => Assert.Equal("check", (string?)l["step"]));
        var onlyHello = await cluster.OwfAsync("logs", runId, "--step", "hello");
        Assert.Equal(["first ran"], onlyHello.StdoutLines.Select(l => l[(l.IndexOf('|', StringComparison.Ordinal) + 2)..]));
        var followEnded = await cluster.OwfAsync("logs", runId, "--follow", "--step", "hello");
        Assert.True(followEnded.ExitCode == 0, followEnded.ToString());
        Assert.Single(followEnded.StdoutLines);

        var noSuchTask = await cluster.OwfAsync("logs", runId, "--task", "third");
        Assert.True(noSuchTask.ExitCode == 2, noSuchTask.ToString());
        Assert.Contains("no task 'third' (tasks: first, second)", noSuchTask.Stderr, StringComparison.Ordinal);
        var noSuchStep = await cluster.OwfAsync("logs", runId, "--task", "first", "--step", "check");
        Assert.True(noSuchStep.ExitCode == 2, noSuchStep.ToString());
        Assert.Contains("has no step 'check' (steps: hello)", noSuchStep.Stderr, StringComparison.Ordinal);
        var noSuchRun = await cluster.OwfAsync("history", "nosuchrun");
        Assert.True(noSuchRun.ExitCode == 4, noSuchRun.ToString());

        var runs = await cluster.OwfAsync("runs", "--playbook", "cli-flaky", "--json");
        Assert.True(runs.ExitCode == 0, runs.ToString());
        var listed = JsonNode.Parse(runs.Stdout)!.AsArray().Single(r => (string?)r!["id"] == runId)!;
        Assert.Equal(("succeeded", 2), ((string)listed["status"]!, (int)listed["attempt"]!));
        var failedOnly = await cluster.OwfAsync("runs", "--status", "failed", "--since", "1h");
        Assert.True(failedOnly.ExitCode == 0, failedOnly.ToString());
        Assert.DoesNotContain(runId, failedOnly.Stdout, StringComparison.Ordinal);
        var table2 = await cluster.OwfAsync("runs", "--playbook", "cli-flaky");
        Assert.Matches(@"(?m)^RUN\s+PLAYBOOK\s+STATUS\s+ATTEMPT\s+STARTED\s+ENDED\s+OWNER$", table2.Stdout);
        var badStatus = await cluster.OwfAsync("runs", "--status", "done");
        Assert.True(badStatus.ExitCode == 2, badStatus.ToString());
        Assert.Contains("--status 'done' is not one of pending, running, paused, succeeded, failed, cancelled, timed_out, skipped", badStatus.Stderr, StringComparison.Ordinal);
    }

    private async Task RegisterAsync(string name, string yaml)
    {
        var registered = await cluster.OwfAsync("playbooks", "register", _files.Write(name, yaml));
        Assert.True(registered.ExitCode == 0, registered.ToString());
    }
}

/// <summary>An <c>owf</c> invocation going on in the background, whose output can be read while it runs.</summary>
internal sealed class LiveOwf : IDisposable
{
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private readonly TextWriter _syncStdout;
    private readonly TextWriter _syncStderr;
    private readonly Task<int> _exit;

    private LiveOwf(string[] args)
    {
        _syncStdout = TextWriter.Synchronized(_stdout);
        _syncStderr = TextWriter.Synchronized(_stderr);
        _exit = Task.Run(() => OwfCommand.RunAsync(args, _syncStdout, _syncStderr));
    }

    public static LiveOwf Start(params string[] args) => new(args);

    // The synchronized writers lock on themselves while writing.
    public string Stdout
    {
        get
        {
            lock (_syncStdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_syncStderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public Task<int> ExitAsync() => _exit.WaitAsync(Poll.Patience);

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr.Dispose();
    }

    public override string ToString() => $"{(_exit.IsCompleted ? $"exit {_exit.Result}" : "running")}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
