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
        cluster.Log("client connected");
        await ClusterHarness.RegisterAsync(client, Workload.Playbook(
            "crash",
            new TaskSpec("left", [], new StepSpec("l1", "1.5"), new StepSpec("l2", "1.5")),
            new TaskSpec("right", [], new StepSpec("r1", "1.5"), new StepSpec("r2", "1.5")),
            new TaskSpec("join", ["left", "right"], new StepSpec("j1", "1"))));
        cluster.Log("registered");
        var ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => client.StartRunAsync("crash", Workload.Params(cluster.LinesPath))));
        var runs = new RunTracker(client, ids);
        cluster.Log($"started {Runs} runs; {cluster.LineCount()} lines written");

        // In flight: the first steps of many runs are done, and steps are running on every silo.
        await Eventually.HoldsAsync(
            () => cluster.LineCount() >= 40 && cluster.Silos.All(s => s.Descendants().Count > 0),
            "40 step lines written and step processes on every silo",
            () => $"{cluster.LineCount()} lines; step processes per silo: {string.Join(", ", cluster.Silos.Select(s => s.Descendants().Count))}");
        await runs.PollAsync();
        var before = runs.Ids.Where(id => runs.Latest.TryGetValue(id, out var s) && !s.Status.IsFinal())
            .ToDictionary(id => id, id => Workload.StepsEnded(runs.Latest[id]), StringComparer.Ordinal);

        // The victim: the silo running the most step processes, so some steps are surely mid-attempt on it.
        var victim = cluster.Silos.MaxBy(s => s.Descendants().Count(d => d.CommandLine.StartsWith("sleep", StringComparison.Ordinal)))!;
        var midAttempt = victim.Descendants().Count(d => d.CommandLine.StartsWith("sleep", StringComparison.Ordinal));
        var linesAtKill = cluster.LineCount();
        var perSilo = string.Join(", ", cluster.Silos.Select(s => $"{s.Name} {s.Descendants().Count(d => d.CommandLine.StartsWith("sleep", StringComparison.Ordinal))}"));
        var killedAt = DateTimeOffset.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        victim.Kill();
        cluster.Log($"kill -9 {victim.Name} (pid {victim.Pid}) with {midAttempt} steps mid-attempt on it; {before.Count} runs unfinished, {linesAtKill} lines written; steps running per silo: {perSilo}");

        // Watched apart from the runs' polls, which may hang on calls to the dead silo until it is declared dead.
        using var watching = new CancellationTokenSource();
        var declaredDead = WatchMembershipAsync(cluster, victim, sinceKill, watching.Token);
        var movedOn = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        runs.Observed = now =>
        {
            if (before.TryGetValue(now.Id, out var ended) && !movedOn.ContainsKey(now.Id) && (now.Status.IsFinal() || Workload.StepsEnded(now) > ended))
            {
                movedOn[now.Id] = sinceKill.Elapsed;
            }
        };
        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(3));
        var allEnded = sinceKill.Elapsed;

        var snapshots = runs.Latest.Values.ToList();
        Assert.All(snapshots, s => Assert.Equal(WorkStatus.Succeeded, s.Status));
        var problems = Workload.CheckLines(snapshots, cluster.Lines());
        await cluster.AssertNoProblemsAsync(runs.Client, problems);
        var retried = snapshots.SelectMany(run => Workload.Steps(run).Where(s => s.Attempts > 1).Select(s => (Run: run.Id, Step: s))).ToList();
        Assert.True(midAttempt > 0, "the killed silo was running no step");
        Assert.True(retried.Count > 0, $"{midAttempt} steps were mid-attempt on the killed silo, yet no step shows a second attempt");
        Assert.True(victim.HasExited);
        Assert.All(cluster.Silos.Where(s => s != victim), s => Assert.False(s.HasExited, $"{s.Name} exited"));

        // When the retried attempts started, from the runs' history (written by the surviving silos).
        var restarts = new List<TimeSpan>();
        foreach (var group in retried.GroupBy(r => r.Run))
        {
            var history = await client.GetHistoryAsync(group.Key);
            restarts.AddRange(history
                .Where(e => e.Event.Kind == RunEventKind.StepStarted && e.Event.Attempt > 1 && group.Any(r => r.Step.Id == e.Event.Step))
                .Select(e => e.Event.Timestamp - killedAt));
        }

        await watching.CancelAsync();
        var deadAfter = await declaredDead;
        var waits = movedOn.Values.Order().ToList();
        cluster.Log($"after kill -9 of {victim.Name}:");
        cluster.Log($"  declared dead in the membership table after {Seconds(deadAfter)}");
        cluster.Log($"  {retried.Count} steps retried ({string.Join(", ", retried.Select(r => $"{r.Step.Id}:{r.Step.Attempts}").GroupBy(x => x).Select(g => $"{g.Count()}x {g.Key}"))})");
        cluster.Log(restarts.Count > 0
            ? $"  retried attempts started {Seconds(restarts.Min())} .. {Seconds(restarts.Max())} after the kill"
            : "  retried attempts: no StepStarted events with attempt > 1 in the history yet");
        cluster.Log($"  every run unfinished at the kill ({before.Count}) had moved on (a step ended) by {Seconds(waits.LastOrDefault())}; median {Seconds(waits.Count > 0 ? waits[waits.Count / 2] : null)}");
        cluster.Log($"  all {Runs} runs ended {Seconds(allEnded)} after the kill");
        foreach (var silo in cluster.Silos.Where(s => s != victim))
        {
            foreach (var line in silo.Log().Split('\n').Where(l => l.Contains("recovery:", StringComparison.Ordinal)))
            {
                // Log lines start with their UTC time (HH:mm:ss.fff).
                var at = TimeOnly.TryParseExact(line[..Math.Min(12, line.Length)], "HH:mm:ss.fff", out var time)
                    ? $"{(time - TimeOnly.FromDateTime(killedAt.UtcDateTime)).TotalSeconds:+0.0} s: "
                    : string.Empty;
                cluster.Log($"  {silo.Name} {at}{line.Trim()}");
            }
        }

        cluster.Passed();
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

    private static string Seconds(TimeSpan? span) => span is { } s ? $"{s.TotalSeconds:0.0} s" : "(not seen)";
}
