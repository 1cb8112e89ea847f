using Orleans.Workflow.Client;
using Orleans.Workflow.Cluster.Tests.Infrastructure;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;
using Xunit.Abstractions;

namespace Orleans.Workflow.Cluster.Tests;

/// <summary>Two clients start the same run (the same run id, the idempotency key) at the same moment: one run.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IdempotentStartTests(SharedPostgres postgres, ITestOutputHelper output)
{
    private const int Races = 5;

    [Fact]
    public async Task TwoClients_StartTheSameRunIdAtOnce_ExactlyOneRun()
    {
        await using var cluster = await ClusterHarness.CreateAsync(postgres.Server, output);
        await cluster.StartSilosAsync(2);
        var one = await cluster.ConnectAsync();
        var other = await cluster.ConnectAsync();
        await ClusterHarness.RegisterAsync(one, Workload.Playbook(
            "once",
            new TaskSpec("work", [], new StepSpec("w1", "0.2"), new StepSpec("w2", "0.2")),
            new TaskSpec("beside", [], new StepSpec("b1", "0.2"))));

        // A few races, each on a fresh run id, both clients released at the same moment.
        var ids = Enumerable.Range(0, Races).Select(_ => WorkflowClient.NewRunId()).ToList();
        foreach (var id in ids)
        {
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var starts = new[] { one, other }.Select(client => Task.Run(async () =>
            {
                await go.Task;
                return await client.StartRunAsync("once", Workload.Params(cluster.LinesPath), new StartRunOptions { RunId = id });
            })).ToList();
            go.SetResult();
            Assert.Equal([id, id], await Task.WhenAll(starts));
        }

        var runs = new RunTracker(one, ids);
        await runs.WaitAllEndedAsync(TimeSpan.FromMinutes(2));
        var snapshots = runs.Latest.Values.ToList();
        var problems = Workload.CheckLines(snapshots, cluster.Lines(), retriedExactlyOnce: true);
        await cluster.AssertNoProblemsAsync(one, problems);
        Assert.All(snapshots.SelectMany(Workload.Steps), s => Assert.Equal(1, s.Attempts));

        foreach (var id in ids)
        {
            // Both clients see the same run; its history (written off the hot path) says it started once.
            Assert.Equal(RunSnapshotJson.ToJson(await one.GetSnapshotAsync(id)).ToJsonString(), RunSnapshotJson.ToJson(await other.GetSnapshotAsync(id)).ToJsonString());
            IReadOnlyList<StoredRunEvent> history = [];
            await Eventually.HoldsAsync(
                async () => (history = await other.GetHistoryAsync(id)).Any(e => e.Event.Kind == RunEventKind.RunSucceeded),
                $"run {id}'s RunSucceeded in its history");
            Assert.Single(history, e => e.Event.Kind == RunEventKind.RunStarted);
            Assert.Single(history, e => e.Event.Kind == RunEventKind.RunSucceeded);
        }

        Assert.Equal([$"{Races}"], await cluster.RowsAsync($"SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'run'"));
        cluster.Passed();
    }
}
