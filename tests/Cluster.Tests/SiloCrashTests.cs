using System.Diagnostics;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>kill -9 of one silo of three while runs are in flight: the others take its work over.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloCrashTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private const int Runs = 50;

    [Fact]
    public async Task KillNine_OneOfThreeSilosWithFiftyRunsInFlight_EveryRunSucceedsAndEachCompletedStepRanOnce()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        await cluster.StartSilosAsync(3);
        var client = await cluster.ConnectAsync();
        await ClusterHarness.RegisterAsync(client, Workload.Playbook(
            "crash",
            new TaskSpec("left", [], new StepSpec("l1", "2"), new StepSpec("l2", "2"), new StepSpec("l3", "2")),
            new TaskSpec("right", [], new StepSpec("r1", "2"), new StepSpec("r2", "2"), new StepSpec("r3", "2")),
            new TaskSpec("join", ["left", "right"], new StepSpec("j1", "1"))));
        var ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => client.StartRunAsync("crash", Workload.Params(cluster.LinesPath))));
        var runs = new RunTracker(client, ids);
        cluster.Log($"started {Runs} runs; {cluster.LineCount()} of {Runs * 7} lines written");

        // In flight: steps are done, and steps are running on every silo.
        await Eventually.HoldsAsync(
            () => cluster.LineCount() >= Runs && cluster.Silos.All(s => Sleeping(s) > 0),
            $"{Runs} step lines written and steps running on every silo",
            () => $"{cluster.LineCount()} lines; steps running per silo: {string.Join(", ", cluster.Silos.Select(Sleeping))}");
        await runs.PollAsync();
        var before = runs.Latest;

        // The victim: the silo running the most steps, so some are surely mid-attempt on it.
        var load = cluster.Silos.Select(s => (Silo: s, Running: Sleeping(s))).ToList();
        var (victim, midAttempt) = load.MaxBy(l => l.Running);
        var linesAtKill = cluster.LineCount();
        var killedAt = DateTimeOffset.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        victim.Kill();
        cluster.Log($"kill -9 {victim.Name} (pid {victim.Pid}); steps running per silo: {string.Join(", ", load.Select(l => $"{l.Silo.Name} {l.Running}"))}; {linesAtKill} lines written");

        // Watched apart from the runs' polls, which may hang on calls to the dead silo until it is declared dead.
        using var watching = new CancellationTokenSource();
        var declaredDead = WatchMembershipAsync(cluster, victim, sinceKill, watching.Token);
        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(3));
        var allEnded = sinceKill.Elapsed;
        await watching.CancelAsync();
        var deadAfter = await declaredDead;

        var snapshots = runs.Latest.Values.ToList();
        await cluster.AssertNoProblemsAsync(client, Workload.CheckLines(snapshots, cluster.Lines()));

        // Only what was mid-attempt on the killed silo ran twice: the surviving silos ran every step at most once
        // (its orphaned process may still have finished it on the killed silo's machine).
        var twiceOnSurvivors = cluster.LineRecords().Where(l => l.Pid != victim.Pid).GroupBy(l => l.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        await cluster.AssertNoProblemsAsync(client, twiceOnSurvivors.Select(k => $"{k}: ran more than once on the surviving silos").ToList());
        var retried = snapshots.SelectMany(run => Workload.Steps(run).Where(s => s.Attempts > 1).Select(s => (Run: run.Id, Step: s))).ToList();
        Assert.True(midAttempt > 0, "the killed silo was running no step");
        Assert.True(retried.Count > 0, $"{midAttempt} steps were mid-attempt on the killed silo, yet no step shows a second attempt");
        Assert.True(victim.HasExited);
        Assert.All(cluster.Silos.Where(s => s != victim), s => Assert.False(s.HasExited, $"{s.Name} exited"));

        // How long the runs stood still, from their stored history (the surviving silos' events): for every task
        // that was running at the kill, the time until it next started a step or ended.
        var histories = await HistoriesAsync(client, ids);
        var lanes = before.Values.Where(r => !r.Status.IsFinal())
            .SelectMany(r => r.Tasks.Where(t => t.Status == WorkStatus.Running).Select(t => (Run: r.Id, Task: t.Id)))
            .Select(lane => histories[lane.Run]
                .Where(e => e.Task == lane.Task && e.Timestamp > killedAt && e.Kind is RunEventKind.StepStarted or RunEventKind.TaskSucceeded)
                .Select(e => e.Timestamp - killedAt)
                .DefaultIfEmpty(TimeSpan.MaxValue)
                .Min())
            .ToList();
        var unseen = lanes.Count(l => l == TimeSpan.MaxValue); // ended just before the kill, or their last events died with it
        lanes = lanes.Where(l => l != TimeSpan.MaxValue).Order().ToList();
        Assert.NotEmpty(lanes);
        var restarts = retried
            .SelectMany(r => histories[r.Run].Where(e => e.Kind == RunEventKind.StepStarted && e.Attempt > 1 && e.Step == r.Step.Id))
            .Select(e => e.Timestamp - killedAt)
            .ToList();

        cluster.Log($"after kill -9 of {victim.Name}:");
        cluster.Log($"  declared dead in the membership table after {Seconds(deadAfter)}");
        foreach (var line in cluster.Silos.Where(s => s != victim).SelectMany(s => s.Log().Split('\n').Where(l => l.Contains("recovery:", StringComparison.Ordinal)).Select(l => (s.Name, Line: l.Trim()))))
        {
            // Log lines start with their UTC time (HH:mm:ss.fff).
            var at = TimeOnly.TryParseExact(line.Line[..Math.Min(12, line.Line.Length)], "HH:mm:ss.fff", out var time)
                ? $"after {(time - TimeOnly.FromDateTime(killedAt.UtcDateTime)).TotalSeconds:0.0} s "
                : string.Empty;
            cluster.Log($"  {at}{line.Name}: {line.Line[(line.Line.IndexOf("recovery:", StringComparison.Ordinal))..]}");
        }

        cluster.Log($"  {retried.Count} steps retried ({string.Join(", ", retried.GroupBy(r => $"{r.Step.Id} attempts {r.Step.Attempts}").Select(g => $"{g.Count()}x {g.Key}"))}), {midAttempt} were running on {victim.Name}");
        cluster.Log(restarts.Count > 0
            ? $"  their new attempts started {Seconds(restarts.Min())} .. {Seconds(restarts.Max())} after the kill"
            : "  their new attempts: no StepStarted with attempt > 1 in the history");
        cluster.Log($"  the {lanes.Count} tasks running at the kill (and {unseen} more with no event after it: they had ended, or their events died with the silo) moved on (next step started, or ended) within: median {Seconds(lanes[lanes.Count / 2])}, 90% {Seconds(lanes[lanes.Count * 9 / 10])}, all {Seconds(lanes[^1])}");
        cluster.Log($"  all {Runs} runs ended {Seconds(allEnded)} after the kill (as seen by polling)");
        cluster.Passed();
    }

    private static int Sleeping(SiloProcess silo) => silo.Descendants().Count(d => d.CommandLine.StartsWith("sleep", StringComparison.Ordinal));

    /// <summary>Every run's stored events, once each history has its end (written off the hot path, in batches).</summary>
    private static async Task<Dictionary<string, List<RunEvent>>> HistoriesAsync(Orleans.Workflow.Client.WorkflowClient client, IEnumerable<string> ids)
    {
        var histories = new Dictionary<string, List<RunEvent>>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var events = new List<RunEvent>();
            await Eventually.HoldsAsync(
                async () => (events = (await client.GetHistoryAsync(id)).Select(e => e.Event).ToList()).Any(e => e.Kind == RunEventKind.RunSucceeded),
                $"run {id}'s RunSucceeded in its history",
                timeout: TimeSpan.FromSeconds(30));
            histories[id] = events;
        }

        return histories;
    }

    /// <summary>How long after the kill the membership table said the victim is Dead.</summary>
    private static async Task<TimeSpan?> WatchMembershipAsync(ClusterHarness cluster, SiloProcess victim, Stopwatch sinceKill, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await cluster.MembershipStatusAsync(victim.SiloPort) == 6)
                {
                    return sinceKill.Elapsed;
                }

                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    private static string Seconds(TimeSpan? span) => span is { } s && s != TimeSpan.MaxValue ? $"{s.TotalSeconds:0.0} s" : "(not seen)";
}
