using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Postgres.Tests.Grains;
using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Postgres.Tests.Providers;

/// <summary>Orleans' ADO.NET grain storage (as UseWorkflowPostgres sets it up) against our persistence queries.</summary>
[Collection(PostgresCollection.Name)]
public sealed class GrainStorageTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Write_ChecksTheETag_FirstWriteStaleWriteAndClear()
    {
        await using var silo = await StartAsync();
        var storage = Storage(silo, WorkflowStorage.Name);
        var id = GrainId.Create("probe", "etags");

        var first = new GrainState<ProbeState>(new ProbeState { Total = 1 });
        await storage.WriteStateAsync("probe", id, first);
        Assert.Equal("1", first.ETag);
        Assert.True(first.RecordExists);

        // A second "first" write (another activation that never saw the row) loses.
        var rival = new GrainState<ProbeState>(new ProbeState { Total = 99 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", id, rival));

        var stale = await ReadAsync(storage, "probe", id);
        first.State!.Total = 2;
        await storage.WriteStateAsync("probe", id, first);
        Assert.Equal("2", first.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", id, stale));
        Assert.Equal(2, (await ReadAsync(storage, "probe", id)).State!.Total);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("probe", id, stale));
        await storage.ClearStateAsync("probe", id, first);
        Assert.False(first.RecordExists);
        Assert.Equal("3", first.ETag);

        var cleared = await ReadAsync(storage, "probe", id);
        Assert.Equal(0, cleared.State!.Total);
        Assert.Equal("3", cleared.ETag);
        cleared.State!.Total = 5;
        await storage.WriteStateAsync("probe", id, cleared);
        Assert.Equal(5, (await ReadAsync(storage, "probe", id)).State!.Total);
    }

    [Fact]
    public async Task Rows_AreKeyedByServiceStateNameAndGrainKey()
    {
        await using var silo = await StartAsync();
        var storage = Storage(silo, WorkflowStorage.Name);
        var pubSub = Storage(silo, WorkflowStorage.PubSub);
        var ids = new[]
        {
            GrainId.Create("probe", "k"),
            GrainId.Create("other-type", "k2"),
            GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateIntegerKey(42, "ext")),
            GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateGuidKey(Guid.Parse("6f1c2c84-54a6-4a4e-9a57-0d3c8a1e2b11"))),
            GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateGuidKey(Guid.Parse("6f1c2c84-54a6-4a4e-9a57-0d3c8a1e2b11"), "ext")),
        };

        for (var i = 0; i < ids.Length; i++)
        {
            await storage.WriteStateAsync("first", ids[i], new GrainState<ProbeState>(new ProbeState { Total = i + 1 }));
            await storage.WriteStateAsync("second", ids[i], new GrainState<ProbeState>(new ProbeState { Total = 100 + i }));
        }

        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i + 1, (await ReadAsync(storage, "first", ids[i])).State!.Total);
            Assert.Equal(100 + i, (await ReadAsync(storage, "second", ids[i])).State!.Total);
        }

        Assert.False((await ReadAsync(pubSub, "third", ids[0])).RecordExists);
        Assert.Equal(ids.Length * 2, await Db.ScalarAsync<long>(silo.Database, "SELECT count(*) FROM OrleansStorage"));

        // The trap the design notes: the grain type is not part of the key, the state name is.
        var sameKeyOtherType = GrainId.Create("other-type", "k");
        Assert.Equal(1, (await ReadAsync(storage, "first", sameKeyOtherType)).State!.Total);
    }

    private async Task<PostgresSiloWithDatabase> StartAsync()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        return new(await PostgresSilo.StartAsync(database, "storage-" + Guid.NewGuid().ToString("N")[..8]), database);
    }

    private static IGrainStorage Storage(PostgresSiloWithDatabase silo, string name) =>
        silo.Silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(name);

    private static async Task<GrainState<ProbeState>> ReadAsync(IGrainStorage storage, string stateName, GrainId id)
    {
        var state = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync(stateName, id, state);
        return state;
    }
}
