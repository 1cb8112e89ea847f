using System.Diagnostics;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>SIGTERM to a silo with steps running on it: it drains, hands its work over and exits 0.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DrainTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private const int Runs = 12;
    private const string LongSleep = "sleep 15";

    [Fact]
    public async Task SigTerm_SiloRunningLongAndShortSteps_ExitsZeroShortStepsFinishLongOnesRetriedElsewhere()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        var silos = await cluster.StartSilosAsync(3, new Dictionary<string, string> { ["Workflow__DrainTimeout"] = "00:00:05" });
        var client = await cluster.ConnectAsync();

        // Per run: one step longer than the drain timeout, and a chain of short ones beside it.
        await ClusterHarness.RegisterAsync(client, Workload.Playbook(
            "drain",
            new TaskSpec("long", [], new StepSpec("slow", "15")),
            new TaskSpec("short", [], new StepSpec("a", "2"), new StepSpec("b", "2"), new StepSpec("c", "2"), new StepSpec("d", "2"))));
        var ids = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => client.StartRunAsync("drain", Workload.Params(cluster.LinesPath))));
        var runs = new RunTracker(client, ids);

        // Every run's long step is running, and some silo runs both long and short steps.
        (SiloProcess Silo, int Long, int Short) Load(SiloProcess silo)
        {
            var sleeps = silo.Descendants().Select(d => d.CommandLine).Where(c => c.StartsWith("sleep", StringComparison.Ordinal)).ToList();
            return (silo, sleeps.Count(c => c == LongSleep), sleeps.Count(c => c != LongSleep));
        }

        await Eventually.HoldsAsync(
            () => silos.Sum(s => Load(s).Long) == Runs && silos.Any(s => Load(s) is { Long: > 0, Short: > 0 }),
            $"all {Runs} long steps running, and long and short steps on one silo",
            () => string.Join(", ", silos.Select(s => Load(s)).Select(l => $"{l.Silo.Name}: {l.Long} long, {l.Short} short")));
        var (victim, cut, finishing) = silos.Select(Load).Where(l => l.Short > 0).MaxBy(l => l.Long);
        var linesAtTerm = cluster.LineRecords().Count;
        var stopping = Stopwatch.StartNew();
        victim.Terminate();
        cluster.Log($"kill -TERM {victim.Name} (pid {victim.Pid}) running {cut} long and {finishing} short steps; {linesAtTerm} lines written");

        var exitCode = await victim.WaitForExitAsync(TimeSpan.FromSeconds(60));
        cluster.Log($"{victim.Name} exited with code {exitCode} {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        Assert.Equal(0, exitCode);

        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(3));
        cluster.Log($"every run ended {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        var snapshots = runs.Latest.Values.ToList();

        // Exactly once, every line: a step that finished during the drain was not run again, and a cut attempt's
        // process was killed before it wrote.
        var problems = Workload.CheckLines(snapshots, cluster.Lines(), retriedExactlyOnce: true);
        await cluster.AssertNoProblemsAsync(runs.Client, problems);

        // What the draining silo finished after SIGTERM (short steps, and long ones that were near their end):
        // each in its first attempt.
        var records = cluster.LineRecords();
        var attempts = snapshots.SelectMany(r => Workload.Steps(r).Select(s => (Key: $"{r.Id} {s.Id}", s.Attempts))).ToDictionary(x => x.Key, x => x.Attempts, StringComparer.Ordinal);
        var finishedInDrain = records.Skip(linesAtTerm).Where(l => l.Pid == victim.Pid).Select(l => l.Key).ToList();
        Assert.NotEmpty(finishedInDrain);
        Assert.All(finishedInDrain, key => Assert.Equal(1, attempts[key]));

        // The long steps cut at the deadline were retried on the other silos and say so (attempts 2: the cut
        // attempt is not held against the step's retry budget); no short step was retried: the draining silo
        // handed the ones it had not started over without starting them.
        var retried = snapshots.SelectMany(r => Workload.Steps(r).Where(s => s.Attempts > 1).Select(s => (Key: $"{r.Id} {s.Id}", Step: s))).ToList();
        cluster.Log($"{finishedInDrain.Count} steps finished on {victim.Name} during the drain ({string.Join(", ", finishedInDrain.Select(k => k.Split(' ')[1]))}); retried: {string.Join(", ", retried.Select(r => $"{r.Step.Id}:{r.Step.Attempts}"))}");
        Assert.InRange(retried.Count, 1, cut);
        Assert.All(retried, r => Assert.Equal("slow", r.Step.Id));
        Assert.All(retried, r => Assert.NotEqual(victim.Pid, records.Single(l => l.Key == r.Key).Pid));
        Assert.All(silos.Where(s => s != victim), s => Assert.False(s.HasExited, $"{s.Name} exited"));
        Assert.Contains("drain deadline passed", victim.Log(), StringComparison.Ordinal);
        cluster.Passed();
    }
}
