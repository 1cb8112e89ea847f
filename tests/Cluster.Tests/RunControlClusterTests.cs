using System.Diagnostics;
using System.Text.Json.Nodes;
using Orleans.Workflow.Client;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>
/// The run controls (cancel, signal, retry, pause and resume) against a real three-silo cluster on PostgreSQL, in
/// their awkward cases. The first three share one cluster (see <see cref="RunControlCluster"/>); the last one stops
/// every silo, so it has a cluster of its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RunControlClusterTests(SharedPostgres postgres, RunControlCluster shared, ITestOutputHelper output)
    : IClassFixture<RunControlCluster>
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Cancel_DuringARetryDelay_EndsCancelledPromptly_AndTheSecondAttemptNeverRuns()
    {
        var (cluster, client) = await shared.GetAsync(postgres, output);
        await ClusterHarness.RegisterAsync(client, """
            name: rc-cancel-retry
            params:
              out: { type: string }
            tasks:
              flaky:
                steps:
                  - id: fails
                    uses: shell
                    retry: { attempts: 3, delay: 20s }
                    with:
                      run: 'echo "$RUN fails $PPID" >> "$OUT"; exit 1'
                      env:
                        RUN: "${{ run.id }}"
                        OUT: "${{ params.out }}"
            """);
        var runId = await client.StartRunAsync("rc-cancel-retry", Workload.Params(cluster.LinesPath));
        var key = $"{runId} fails";

        // The first attempt failed and wrote its line; the step waits out its 20 s delay, not running.
        StepSnapshot? step = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                step = Step(await client.GetSnapshotAsync(runId), "flaky", "fails");
                return cluster.Lines().GetValueOrDefault(key) == 1 && step.Attempts == 1 && step.Status is WorkStatus.Queued or WorkStatus.Pending;
            },
            "the step waiting for its retry",
            () => $"{step?.Status.Name()}/{step?.Attempts}, {cluster.Lines().GetValueOrDefault(key)} lines");
        cluster.Log($"step {step!.Status.Name()} after attempt {step.Attempts} ({step.Error}); cancelling");

        var cancelling = Stopwatch.StartNew();
        var answer = await client.CancelAsync(runId, "test: cancel during the retry delay");
        cluster.Log($"cancel answered '{answer}'");
        var end = await EndOfAsync(client, runId, TimeSpan.FromSeconds(15));
        cluster.Log($"run {end.Status.Name()} {cancelling.Elapsed.TotalSeconds:0.0} s after the cancel");
        Assert.Equal(WorkStatus.Cancelled, end.Status);
        Assert.True(cancelling.Elapsed < TimeSpan.FromSeconds(15), $"the cancel took {cancelling.Elapsed}");
        var ended = Step(end, "flaky", "fails");
        Assert.True(ended.Status.IsFinal() && ended.Status != WorkStatus.Succeeded, $"step {ended.Status.Name()}");
        Assert.Equal(1, ended.Attempts);

        // Past the moment the second attempt was due (20 s after the first, and some), it has not run.
        var dueBy = (ended.EndedAt ?? DateTimeOffset.UtcNow) + TimeSpan.FromSeconds(28);
        while (DateTimeOffset.UtcNow < dueBy)
        {
            Assert.Equal(1, cluster.Lines().GetValueOrDefault(key));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, cluster.Lines().GetValueOrDefault(key));
        var after = await client.GetSnapshotAsync(runId);
        Assert.Equal(WorkStatus.Cancelled, after.Status);
        Assert.Equal(1, Step(after, "flaky", "fails").Attempts);
    }

    [Fact]
    public async Task Signal_BeforeTheWaitStarts_IsKept_AndTheWaitCompletesWithItsPayload()
    {
        var (cluster, client) = await shared.GetAsync(postgres, output);
        await ClusterHarness.RegisterAsync(client, """
            name: rc-early-signal
            params:
              out: { type: string }
            tasks:
              before:
                steps:
                  - id: hold
                    uses: shell
                    with:
                      run: 'while [ ! -f "$OUT.$RUN.release" ]; do sleep 0.2; done; echo "$RUN hold $PPID" >> "$OUT"'
                      env:
                        RUN: "${{ run.id }}"
                        OUT: "${{ params.out }}"
              gate:
                needs: [before]
                steps:
                  - id: wait
                    uses: wait
                    with: { signal: go, timeout: 5m }
            """);
        var runId = await client.StartRunAsync("rc-early-signal", Workload.Params(cluster.LinesPath));
        await StepReachesAsync(client, runId, "before", "hold", WorkStatus.Running);

        var answer = await client.SignalAsync(runId, "go", """{"who":"ops"}""");
        cluster.Log($"signal answered '{answer}'");

        // The signal came while the earlier step still ran: the wait had not started.
        var atSignal = await client.GetSnapshotAsync(runId);
        Assert.Equal(WorkStatus.Running, Step(atSignal, "before", "hold").Status);
        var gate = Step(atSignal, "gate", "wait");
        Assert.True(gate.Status == WorkStatus.Pending && gate.Attempts == 0, $"the wait step was {gate.Status.Name()}/{gate.Attempts} at the signal");

        await File.WriteAllTextAsync($"{cluster.LinesPath}.{runId}.release", "go");
        var end = await EndOfAsync(client, runId, RunLimit);
        Assert.True(end.Status == WorkStatus.Succeeded, Show(end));
        var wait = Step(end, "gate", "wait");
        Assert.Equal(1, wait.Attempts);
        Assert.Equal("ops", JsonNode.Parse(wait.OutputJson!)!["who"]!.GetValue<string>());
        Assert.Equal(1, cluster.Lines().GetValueOrDefault($"{runId} hold"));
    }

    [Fact]
    public async Task Retry_OfARunWhosePlaybookHasANewerVersion_KeepsItsPinnedVersionUnlessAskedForTheLatest()
    {
        var (cluster, client) = await shared.GetAsync(postgres, output);
        var v1 = await client.RegisterPlaybookAsync("rc-retry-version", VersionedYaml(fixedVersion: false), "rc-retry-version.yaml");
        var runId = await client.StartRunAsync("rc-retry-version", Workload.Params(cluster.LinesPath));
        var first = await EndOfAsync(client, runId, RunLimit);
        Assert.True(first.Status == WorkStatus.Failed, Show(first));
        Assert.Equal(1, first.Attempt);

        // A newer version that fixes the failing step.
        var v2 = await client.RegisterPlaybookAsync("rc-retry-version", VersionedYaml(fixedVersion: true), "rc-retry-version.yaml");
        Assert.NotEqual(v1, v2);
        cluster.Log($"versions: run pinned {first.Version}, registered {v1} then {v2}");

        var pinnedRetry = await client.RetryAsync(runId);
        Assert.True(pinnedRetry.Started, pinnedRetry.Message);
        Assert.Equal(2, pinnedRetry.Attempt);
        var pinned = await EndOfAsync(client, runId, RunLimit, attempt: 2);
        Assert.True(pinned.Status == WorkStatus.Failed, Show(pinned));
        Assert.Equal(first.Version, pinned.Version);
        Assert.Equal(2, pinned.Attempt);

        var latestRetry = await client.RetryAsync(runId, new RetryRun(LatestVersion: true));
        Assert.True(latestRetry.Started, latestRetry.Message);
        Assert.Equal(3, latestRetry.Attempt);
        var latest = await EndOfAsync(client, runId, RunLimit, attempt: 3);
        Assert.True(latest.Status == WorkStatus.Succeeded, Show(latest));
        Assert.NotEqual(first.Version, latest.Version);
        Assert.Equal(3, latest.Attempt);

        // The succeeded task kept its output and did not run again; the failing one ran once per attempt.
        var lines = cluster.Lines();
        Assert.Equal(1, lines.GetValueOrDefault($"{runId} prepare"));
        Assert.Equal(3, lines.GetValueOrDefault($"{runId} deploy"));
        Assert.Equal(1, lines.GetValueOrDefault($"{runId} fixed"));
    }

    [Fact]
    public async Task Pause_ThenKillEverySilo_TheRunStaysPausedOnANewCluster_AndResumeCompletesIt()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        var first = await cluster.StartSilosAsync(3);
        var client = await cluster.ConnectAsync();
        await ClusterHarness.RegisterAsync(client, """
            name: rc-pause-kill
            params:
              out: { type: string }
            tasks:
              work:
                steps:
                  - id: s1
                    uses: shell
                    with:
                      run: 'while [ ! -f "$OUT.$RUN.release" ]; do sleep 0.2; done; echo "$RUN s1 $PPID" >> "$OUT"'
                      env:
                        RUN: "${{ run.id }}"
                        OUT: "${{ params.out }}"
                  - id: s2
                    uses: shell
                    with:
                      run: 'echo "$RUN s2 $PPID" >> "$OUT"'
                      env:
                        RUN: "${{ run.id }}"
                        OUT: "${{ params.out }}"
              last:
                needs: [work]
                steps:
                  - id: s3
                    uses: shell
                    with:
                      run: 'echo "$RUN s3 $PPID" >> "$OUT"'
                      env:
                        RUN: "${{ run.id }}"
                        OUT: "${{ params.out }}"
            """);
        var runId = await client.StartRunAsync("rc-pause-kill", Workload.Params(cluster.LinesPath));
        await StepReachesAsync(client, runId, "work", "s1", WorkStatus.Running);

        // Paused while s1 runs: s1 finishes, nothing after it starts.
        var answer = await client.PauseAsync(runId, "test: pause before the crash");
        cluster.Log($"pause answered '{answer}'");
        Assert.Equal(WorkStatus.Paused, (await client.GetSnapshotAsync(runId)).Status);
        await File.WriteAllTextAsync($"{cluster.LinesPath}.{runId}.release", "go");
        await StepReachesAsync(client, runId, "work", "s1", WorkStatus.Succeeded);
        var beforeKill = await client.GetSnapshotAsync(runId);
        Assert.True(beforeKill.Status == WorkStatus.Paused, Show(beforeKill));
        AssertNothingAfterS1Started(beforeKill, cluster, runId);

        // Wherever the run lives, its silo dies: kill -9 all three, then a new cluster on the same database.
        foreach (var silo in first)
        {
            silo.Kill();
        }

        await Task.WhenAll(first.Select(s => s.WaitForExitAsync(TimeSpan.FromSeconds(60))));
        cluster.Log("kill -9 of all three silos");
        await cluster.StartSilosAsync(3);
        client = await cluster.ConnectAsync();

        RunSnapshot? afterRestart = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    afterRestart = await client.GetSnapshotAsync(runId).WaitAsync(TimeSpan.FromSeconds(20));
                    return true;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    cluster.Log($"snapshot not readable yet: {ex.GetType().Name}: {ex.Message}");
                    return false;
                }
            },
            "the run's snapshot readable on the new cluster",
            every: TimeSpan.FromSeconds(1));
        Assert.True(afterRestart!.Status == WorkStatus.Paused, Show(afterRestart));
        AssertNothingAfterS1Started(afterRestart, cluster, runId);

        // Nothing starts on the new cluster while paused (its recovery wakes active runs): watch a while.
        var watching = Stopwatch.StartNew();
        while (watching.Elapsed < TimeSpan.FromSeconds(8))
        {
            var now = await client.GetSnapshotAsync(runId);
            Assert.True(now.Status == WorkStatus.Paused, Show(now));
            AssertNothingAfterS1Started(now, cluster, runId);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        answer = await client.ResumeAsync(runId);
        cluster.Log($"resume answered '{answer}'");
        var end = await EndOfAsync(client, runId, RunLimit);
        var problems = Workload.CheckLines([end], cluster.Lines(), retriedExactlyOnce: true);
        await cluster.AssertNoProblemsAsync(client, problems);
        Assert.All(Workload.Steps(end), s => Assert.Equal(1, s.Attempts));
        cluster.Passed();
    }

    private static void AssertNothingAfterS1Started(RunSnapshot run, ClusterHarness cluster, string runId)
    {
        Assert.True(Step(run, "work", "s1").Status == WorkStatus.Succeeded, Show(run));
        Assert.True(Step(run, "work", "s2") is { Attempts: 0, Status: WorkStatus.Pending }, Show(run));
        Assert.True(Step(run, "last", "s3") is { Attempts: 0, Status: WorkStatus.Pending }, Show(run));
        var lines = cluster.Lines();
        Assert.Equal(0, lines.GetValueOrDefault($"{runId} s2"));
        Assert.Equal(0, lines.GetValueOrDefault($"{runId} s3"));
    }

    private static string VersionedYaml(bool fixedVersion)
    {
        var tail = fixedVersion ? "echo \"$RUN fixed $PPID\" >> \"$OUT\"" : "exit 1";
        return $$$"""
        name: rc-retry-version
        params:
          out: { type: string }
        tasks:
          prepare:
            steps:
              - id: prepare
                uses: shell
                with:
                  run: 'echo "$RUN prepare $PPID" >> "$OUT"'
                  env:
                    RUN: "${{ run.id }}"
                    OUT: "${{ params.out }}"
          release:
            needs: [prepare]
            steps:
              - id: deploy
                uses: shell
                with:
                  run: 'echo "$RUN deploy $PPID" >> "$OUT"; {{{tail}}}'
                  env:
                    RUN: "${{ run.id }}"
                    OUT: "${{ params.out }}"
        """;
    }

    private static StepSnapshot Step(RunSnapshot run, string task, string step) =>
        run.Tasks.Single(t => t.Id == task).Steps.Single(s => s.Id == step);

    private static string Show(RunSnapshot run) =>
        $"run {run.Id} #{run.Attempt} {run.Status.Name()} ({run.Error?.Message}): " +
        string.Join(", ", run.Tasks.SelectMany(t => t.Steps.Select(s => $"{t.Id}.{s.Id}={s.Status.Name()}/{s.Attempts}{(s.Error is null ? string.Empty : $" ({s.Error})")}")));

    private static Task StepReachesAsync(WorkflowClient client, string runId, string task, string step, WorkStatus status)
    {
        RunSnapshot? last = null;
        return Eventually.HoldsAsync(
            async () => Step(last = await client.GetSnapshotAsync(runId), task, step).Status == status,
            $"{task}.{step} of run {runId} {status.Name()}",
            () => last is null ? "no snapshot" : Show(last));
    }

    /// <summary>The run's end (of its <paramref name="attempt"/>, for a retried one), within <paramref name="timeout"/>.</summary>
    private static async Task<RunSnapshot> EndOfAsync(WorkflowClient client, string runId, TimeSpan timeout, int attempt = 1)
    {
        RunSnapshot? last = null;
        await Eventually.HoldsAsync(
            async () => (last = await client.GetSnapshotAsync(runId)) is { } s && s.Attempt >= attempt && s.Status.IsFinal(),
            $"run {runId} (attempt {attempt}) ended",
            () => last is null ? "no snapshot" : Show(last),
            timeout,
            TimeSpan.FromMilliseconds(250));
        return last!;
    }
}

/// <summary>
/// One cluster (three silos, one database) for the tests of <see cref="RunControlClusterTests"/> that leave it
/// running; made by the first of them, its output going to whichever test runs now, killed at the end of the class.
/// </summary>
public sealed class RunControlCluster : IAsyncLifetime
{
    private readonly SwitchingOutput _output = new();
    private ClusterHarness? _harness;
    private WorkflowClient? _client;

    internal async Task<(ClusterHarness Cluster, WorkflowClient Client)> GetAsync(SharedPostgres postgres, ITestOutputHelper output)
    {
        _output.Current = output;
        if (_harness is null)
        {
            _harness = await ClusterHarness.CreateAsync(postgres.Server, _output);
            await _harness.StartSilosAsync(3);
            _client = await _harness.ConnectAsync();
        }

        return (_harness, _client!);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _output.Current = null;
        if (_harness is not null)
        {
            _harness.Passed();
            await _harness.DisposeAsync();
        }
    }

    private sealed class SwitchingOutput : ITestOutputHelper
    {
        public ITestOutputHelper? Current { get; set; }

        public void WriteLine(string message)
        {
            try
            {
                Current?.WriteLine(message);
            }
            catch (InvalidOperationException)
            {
                // The test that was current has ended.
            }
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
