using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Postgres.Tests.Grains;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Hosting.Postgres;

namespace Orleans.Workflow.Postgres.Tests.Cluster;

/// <summary>Real silos on UseWorkflowPostgres: membership, grain state, reminders through Orleans' ADO.NET providers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresFixture fixture)
{
    private const string Playbook = """
        name: pg-smoke
        tasks:
          only:
            steps:
              - id: a
                uses: noop
                with: { value: 1 }
              - id: b
                uses: noop
                with: { value: "${{ steps.a.output.value + 1 }}" }
        outputs:
          result: "${{ tasks.only.outputs.value }}"
        """;

    [Fact]
    public async Task TwoSilos_JoinThroughTheMembershipTable_BothActive()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        var clusterId = "two-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await PostgresSilo.StartAsync(database, clusterId);
        await using var second = await PostgresSilo.StartAsync(database, clusterId);

        var expected = new[] { first.SiloPort, second.SiloPort }.Order().Select(port => $"127.0.0.1|{port}|3").ToList();
        var rows = new List<string>();
        await Eventually.HoldsAsync(
            async () =>
            {
                rows = await Db.RowsAsync(database, $"SELECT Address, Port, Status FROM OrleansMembershipTable WHERE DeploymentId = '{clusterId}' ORDER BY Port");
                return rows.SequenceEqual(expected);
            },
            "both silos Active (status 3) in OrleansMembershipTable",
            () => string.Join("; ", rows));

        // Each silo sees the other as active: the cluster is one.
        var management = first.Cluster.GetGrain<IManagementGrain>(0);
        await Eventually.HoldsAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "the management grain sees two active silos");
        Assert.True(await Db.ScalarAsync<int>(database, $"SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = '{clusterId}'") >= 2);
    }

    [Fact]
    public async Task GrainState_SurvivesDeactivation()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "state-" + Guid.NewGuid().ToString("N")[..8]);
        var probe = silo.Cluster.GetGrain<IProbeGrain>("survivor");
        Assert.Equal(5, await probe.AddAsync(5));
        Assert.Equal(12, await probe.AddAsync(7));
        var activation = await probe.ActivationAsync();

        await probe.DeactivateAsync();
        await Eventually.HoldsAsync(async () => await probe.ActivationAsync() != activation, "a new activation of the probe");

        Assert.Equal(12, (await probe.GetAsync()).Total);
        Assert.Equal(
            ["probe|1"],
            await Db.RowsAsync(database, "SELECT GrainTypeString, count(*) FROM OrleansStorage WHERE GrainTypeString = 'probe' GROUP BY GrainTypeString"));
        Assert.Equal(2, await Db.ScalarAsync<int>(database, "SELECT Version FROM OrleansStorage WHERE GrainTypeString = 'probe'"));
    }

    [Fact]
    public async Task Run_FinishedOnOneCluster_SnapshotReadableFromANewClusterOnTheSameDatabase()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        var clusterId = "restart-" + Guid.NewGuid().ToString("N")[..8];
        string runId;
        RunSnapshot finished;
        await using (var silo = await PostgresSilo.StartAsync(database, clusterId))
        {
            var client = silo.Client;
            var loaded = Playbooks.PlaybookLoader.Load(Playbook, "pg-smoke.yaml", Playbooks.Validation.PlaybookValidationOptions.Default);
            await client.RegisterPlaybookAsync(loaded.Playbook!.Name, Playbook, "pg-smoke.yaml");
            runId = await client.StartRunAsync("pg-smoke");
            using var patience = new CancellationTokenSource(Eventually.Patience);
            finished = await client.WaitForEndAsync(runId, patience.Token);
            Assert.Equal(WorkStatus.Succeeded, finished.Status);

            // The run's events reach the history table (appended off the hot path, so after the run ends).
            var id = runId;
            await Eventually.HoldsAsync(
                async () => (await client.GetHistoryAsync(id)).Any(e => e.Event.Kind == Events.RunEventKind.RunSucceeded),
                "the run's RunSucceeded event in the history");
        }

        // A whole new cluster (new silo, new generation) and an outside client that finds it through the table.
        await using var restarted = await PostgresSilo.StartAsync(database, clusterId);
        using var clientHost = await PostgresSilo.StartClientAsync(database, clusterId);
        try
        {
            var client = new WorkflowClient(clientHost.Services.GetRequiredService<IClusterClient>());
            var snapshot = await client.GetSnapshotAsync(runId);

            Assert.Equal(WorkStatus.Succeeded, snapshot.Status);
            Assert.Equal(2, JsonNode.Parse(snapshot.OutputsJson!)!["result"]!.GetValue<int>());
            Assert.Equal(RunSnapshotJson.ToJson(finished).ToJsonString(), RunSnapshotJson.ToJson(snapshot).ToJsonString());
            Assert.Equal(1, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'run'"));

            var history = await client.GetHistoryAsync(runId);
            Assert.Equal(Events.RunEventKind.RunStarted, history[0].Event.Kind);
            Assert.Equal(Events.RunEventKind.RunSucceeded, history[^1].Event.Kind);
            Assert.Equal(history.Count, await Db.ScalarAsync<long>(database, $"SELECT count(*) FROM owf_run_events WHERE run_id = '{runId}'"));
        }
        finally
        {
            await clientHost.StopAsync();
        }
    }

    [Fact]
    public async Task Reminder_RegisteredByAGrain_FiresAndIsStoredInTheRemindersTable()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "remind-" + Guid.NewGuid().ToString("N")[..8]);
        var probe = silo.Cluster.GetGrain<IProbeGrain>("ticker");

        await probe.StartTickingAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        Assert.Equal(
            ["tick|60000|0"],
            await Db.RowsAsync(database, $"SELECT ReminderName, Period, Version FROM OrleansRemindersTable WHERE ServiceId = '{PostgresSilo.ServiceId}'"));
        await Eventually.HoldsAsync(async () => (await probe.GetAsync()).Ticks >= 1, "the reminder fired");

        await probe.StopTickingAsync();
        Assert.Equal(0L, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansRemindersTable"));
    }

    [Fact]
    public async Task Silo_RegistersThePostgresRunHistory()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "history-" + Guid.NewGuid().ToString("N")[..8]);

        Assert.IsType<PostgresRunHistory>(silo.Host.Services.GetRequiredService<Events.IRunHistoryStore>());
    }
}
