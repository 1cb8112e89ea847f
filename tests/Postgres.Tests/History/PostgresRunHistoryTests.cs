using Orleans.Workflow.Events;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Hosting.Postgres;

namespace Orleans.Workflow.Postgres.Tests.History;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunHistoryTests(PostgresFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Append_BatchWithDuplicateId_KeepsItOnceAndReadsTheRunInOrder()
    {
        await using var store = await NewStoreAsync();
        var started = Event("e1", "run-a", RunEventKind.RunStarted, 0);
        var queued = Event("e2", "run-a", RunEventKind.TaskQueued, 1) with { Task = "build" };
        var other = Event("e3", "run-b", RunEventKind.RunStarted, 2);
        var stepped = Event("e4", "run-a", RunEventKind.StepStarted, 3) with { Task = "build", Step = "compile", Attempt = 1 };

        await store.AppendAsync([started, queued, other, queued, stepped], CancellationToken.None);
        await store.AppendAsync([stepped, started], CancellationToken.None);

        var read = await store.ReadAsync("run-a", 0, 100, CancellationToken.None);
        Assert.Equal(["e1", "e2", "e4"], read.Select(e => e.Event.Id));
        Assert.Equal([started, queued, stepped], read.Select(e => e.Event));
        Assert.True(read[0].Position < read[1].Position && read[1].Position < read[2].Position);
        Assert.Equal(["e3"], (await store.ReadAsync("run-b", 0, 100, CancellationToken.None)).Select(e => e.Event.Id));
    }

    [Fact]
    public async Task Read_AfterPositionWithLimit_PagesThroughTheRun()
    {
        await using var store = await NewStoreAsync();
        var events = Enumerable.Range(0, 10).Select(i => Event($"p{i}", "run-p", RunEventKind.StepLog, i) with { Message = $"line {i}" }).ToList();
        await store.AppendAsync(events[..4], CancellationToken.None);
        await store.AppendAsync(events[4..], CancellationToken.None);

        var pages = new List<IReadOnlyList<StoredRunEvent>>();
        var after = 0L;
        while (true)
        {
            var page = await store.ReadAsync("run-p", after, 3, CancellationToken.None);
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page);
            after = page[^1].Position;
        }

        Assert.Equal([3, 3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(events.Select(e => e.Id), pages.SelectMany(p => p).Select(e => e.Event.Id));
        Assert.Empty(await store.ReadAsync("run-p", 0, 0, CancellationToken.None));
        Assert.Empty(await store.ReadAsync("no-such-run", 0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Append_EveryField_RoundTrips()
    {
        await using var store = await NewStoreAsync();
        var full = new RunEvent(
            "f1", "run-f", RunEventKind.StepFailed, new DateTimeOffset(2025, 3, 1, 14, 30, 15, 123, TimeSpan.FromHours(2)),
            Task: "deploy", Index: 7, Step: "push", Attempt: 3, Message: "exit code 1 — ünïcode", Owner: "silo-2",
            DataJson: """{"exitCode":1,"lines":["a","b"]}""");
        var bare = Event("f2", "run-f", RunEventKind.RunFailed, 1);

        await store.AppendAsync([full, bare], CancellationToken.None);

        var read = await store.ReadAsync("run-f", 0, 10, CancellationToken.None);
        Assert.Equal(full with { Timestamp = full.Timestamp.ToUniversalTime() }, read[0].Event);
        Assert.Equal(full.Timestamp, read[0].Event.Timestamp);
        Assert.Equal(bare, read[1].Event);
    }

    [Fact]
    public async Task Append_ConcurrentBatches_PositionsFollowCommitOrder()
    {
        await using var store = await NewStoreAsync();
        var batches = Enumerable.Range(0, 8)
            .Select(b => Enumerable.Range(0, 25).Select(i => Event($"c{b}-{i}", "run-c", RunEventKind.StepLog, i)).ToList())
            .ToList();

        await Task.WhenAll(batches.Select(batch => Task.Run(() => store.AppendAsync(batch, CancellationToken.None))));

        var read = await store.ReadAsync("run-c", 0, 1000, CancellationToken.None);
        Assert.Equal(200, read.Count);
        Assert.Equal(200, read.Select(e => e.Event.Id).Distinct().Count());

        // Each batch is contiguous: appends hold a lock until they commit.
        foreach (var batch in batches)
        {
            var positions = read.Where(e => batch.Any(b => b.Id == e.Event.Id)).Select(e => e.Position).ToList();
            Assert.Equal(positions[0] + positions.Count - 1, positions[^1]);
        }
    }

    [Fact]
    public async Task Append_AfterPostgresRestarted_WorksAgainAndKeepsWhatWasWritten()
    {
        await using var store = await NewStoreAsync();
        await store.AppendAsync([Event("r1", "run-r", RunEventKind.RunStarted, 0)], CancellationToken.None);
        // Several pooled connections, all of which die with the server.
        var reads = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => store.ReadAsync("run-r", 0, 10, CancellationToken.None))));
        Assert.All(reads, r => Assert.Single(r));

        await fixture.Server.StopAsync();
        try
        {
            await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => store.AppendAsync([Event("r2", "run-r", RunEventKind.StepLog, 1)], CancellationToken.None));
        }
        finally
        {
            await fixture.Server.StartAsync();
        }

        // The pooled connections died with the server: the store gets new ones by itself.
        await store.AppendAsync([Event("r2", "run-r", RunEventKind.StepLog, 1), Event("r3", "run-r", RunEventKind.RunSucceeded, 2)], CancellationToken.None);
        Assert.Equal(["r1", "r2", "r3"], (await store.ReadAsync("run-r", 0, 10, CancellationToken.None)).Select(e => e.Event.Id));
    }

    [Fact]
    public async Task ListRuns_FromRunLevelEvents_NewestFirstWithStatusAttemptAndFilters()
    {
        await using var store = await NewStoreAsync();
        static string Data(string playbook) => $$"""{"playbook":"{{playbook}}","version":"v-{{playbook}}"}""";
        await store.AppendAsync(
        [
            Event("a1", "run-a", RunEventKind.RunStarted, 0) with { DataJson = Data("etl"), Owner = "data" },
            Event("a2", "run-a", RunEventKind.StepLog, 1),
            Event("a3", "run-a", RunEventKind.RunFailed, 2) with { Owner = "data" },
            Event("b1", "run-b", RunEventKind.RunStarted, 3) with { DataJson = Data("report") },
            Event("b2", "run-b", RunEventKind.RunPaused, 4),
            Event("a4", "run-a", RunEventKind.RunRetried, 5) with { Owner = "data" },
            Event("a5", "run-a", RunEventKind.RunSucceeded, 6) with { Owner = "data" },
            Event("c1", "run-c", RunEventKind.RunStarted, 7) with { DataJson = Data("etl") },
        ], CancellationToken.None);

        var all = await store.ListRunsAsync(new RunQuery(), CancellationToken.None);
        Assert.Equal(["run-c", "run-b", "run-a"], all.Select(r => r.RunId));
        var a = all.Single(r => r.RunId == "run-a");
        Assert.Equal(("etl", "v-etl", Runs.WorkStatus.Succeeded, 2, "data"), (a.Playbook, a.Version, a.Status, a.Attempt, a.Owner));
        Assert.Equal(T0.AddSeconds(0), a.StartedAt);
        Assert.Equal(T0.AddSeconds(6), a.EndedAt);
        Assert.Equal(Runs.WorkStatus.Paused, all.Single(r => r.RunId == "run-b").Status);
        Assert.Null(all.Single(r => r.RunId == "run-c").EndedAt);

        Assert.Equal(["run-c", "run-a"], (await store.ListRunsAsync(new RunQuery(Playbook: "etl"), CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["run-c"], (await store.ListRunsAsync(new RunQuery(Status: Runs.WorkStatus.Running), CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["run-c", "run-b"], (await store.ListRunsAsync(new RunQuery(Since: T0.AddSeconds(3)), CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["run-c"], (await store.ListRunsAsync(new RunQuery(Limit: 1), CancellationToken.None)).Select(r => r.RunId));
    }

    [Fact]
    public async Task ListRuns_WaitingAdmittedAndSkippedRuns_ShowPendingRunningAndSkipped()
    {
        await using var store = await NewStoreAsync();
        const string Data = """{"playbook":"gated","version":"v1"}""";
        await store.AppendAsync(
        [
            Event("w1", "run-wait", RunEventKind.RunStarted, 0) with { DataJson = Data },
            Event("w2", "run-wait", RunEventKind.RunWaiting, 1),
            Event("g1", "run-go", RunEventKind.RunStarted, 2) with { DataJson = Data },
            Event("g2", "run-go", RunEventKind.RunWaiting, 3),
            Event("g3", "run-go", RunEventKind.RunAdmitted, 4),
            Event("s1", "run-skip", RunEventKind.RunStarted, 5) with { DataJson = Data },
            Event("s2", "run-skip", RunEventKind.RunSkipped, 6),
        ], CancellationToken.None);

        var all = await store.ListRunsAsync(new RunQuery(Playbook: "gated"), CancellationToken.None);
        Assert.Equal(
            [("run-skip", Runs.WorkStatus.Skipped), ("run-go", Runs.WorkStatus.Running), ("run-wait", Runs.WorkStatus.Pending)],
            all.Select(r => (r.RunId, r.Status)));
        Assert.Equal(T0.AddSeconds(6), all[0].EndedAt);
        Assert.Equal(["run-skip"], (await store.ListRunsAsync(new RunQuery(Status: Runs.WorkStatus.Skipped), CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["run-wait"], (await store.ListRunsAsync(new RunQuery(Status: Runs.WorkStatus.Pending), CancellationToken.None)).Select(r => r.RunId));
    }

    [Fact]
    public async Task ListRuns_TriggerAndLogicalDateOfRunStarted_ComeBackPerRun_OlderRowsReadAsKindOrNull()
    {
        await using var store = await NewStoreAsync();
        var tick = new DateTimeOffset(2025, 3, 1, 2, 0, 0, TimeSpan.Zero);
        static string Data(Runs.RunTrigger trigger, string date) => new System.Text.Json.Nodes.JsonObject
        {
            ["playbook"] = "etl",
            ["version"] = "v1",
            ["trigger"] = trigger.ToJson(),
            ["logical_date"] = date,
        }.ToJsonString();
        var scheduled = new Runs.RunTrigger(Runs.TriggerKind.Schedule, tick);
        var evented = Runs.RunTrigger.Of(new Runs.TriggerInfo(Runs.TriggerKind.Event, EventJson: """{"country":"DE"}""", Name: "files.landed", EventId: "e-1"));
        var after = Runs.RunTrigger.Of(new Runs.TriggerInfo(
            Runs.TriggerKind.After, EventJson: """{"playbook":"extract","run":"run-x","attempt":2,"status":"failed","outputs":null}""", Name: "extract", EventId: "run-x-a2"));
        await store.AppendAsync(
        [
            Event("s1", "run-sched", RunEventKind.RunStarted, 0) with { DataJson = Data(scheduled, "2025-03-01") },
            Event("e1", "run-event", RunEventKind.RunStarted, 1) with { DataJson = Data(evented, "2025-03-01") },
            Event("f1", "run-after", RunEventKind.RunStarted, 2) with { DataJson = Data(after, "2025-03-01") },
            Event("o1", "run-old", RunEventKind.RunStarted, 3) with { DataJson = """{"playbook":"etl","version":"v1","trigger":"manual"}""" },
            Event("n1", "run-none", RunEventKind.RunStarted, 4) with { DataJson = """{"playbook":"etl","version":"v1"}""" },
        ], CancellationToken.None);

        var runs = (await store.ListRunsAsync(new RunQuery(Playbook: "etl"), CancellationToken.None)).ToDictionary(r => r.RunId);

        var sched = runs["run-sched"];
        Assert.Equal((Runs.TriggerKind.Schedule, tick, "2025-03-01"), (sched.Trigger!.Kind, sched.Trigger.ScheduledAt, sched.LogicalDate));
        var ev = runs["run-event"].Trigger!;
        Assert.Equal((Runs.TriggerKind.Event, "files.landed", (DateTimeOffset?)null), (ev.Kind, ev.Name, ev.ScheduledAt));
        Assert.Equal("DE", (string?)System.Text.Json.Nodes.JsonNode.Parse(ev.EventJson!)!["country"]);
        var af = runs["run-after"].Trigger!;
        Assert.Equal((Runs.TriggerKind.After, "extract", null), (af.Kind, af.Name, af.EventJson));
        Assert.Equal(new Runs.UpstreamRun("extract", "run-x", 2, Runs.WorkStatus.Failed), af.After);
        Assert.Equal(new Runs.RunTrigger(Runs.TriggerKind.Manual), runs["run-old"].Trigger);
        Assert.Null(runs["run-old"].LogicalDate);
        Assert.Null(runs["run-none"].Trigger);
        Assert.Null(runs["run-none"].LogicalDate);
    }

    private async Task<PostgresRunHistory> NewStoreAsync()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await new PostgresSchema(database).ApplyAsync();
        return new PostgresRunHistory(database);
    }

    private static RunEvent Event(string id, string runId, RunEventKind kind, int second) =>
        new(id, runId, kind, T0.AddSeconds(second));
}
