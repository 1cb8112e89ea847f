using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Hosting;
using Orleans.Workflow.Hosting.Postgres;

namespace Orleans.Workflow.Postgres.Tests.Providers;

/// <summary>Orleans' own ADO.NET membership table against our clustering queries: the IMembershipTable contract.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableTests(PostgresFixture fixture)
{
    private static readonly DateTime Start = new(2025, 3, 1, 12, 0, 0, 123, DateTimeKind.Utc);

    [Fact]
    public async Task InsertAndUpdate_CheckTheTableVersion_AndHeartbeatsLeaveItAlone()
    {
        var (table, _) = await NewTableAsync();
        var empty = await table.ReadAllAsync(CancellationToken.None);
        Assert.Empty(empty.Members);
        var a = Entry(1, SiloStatus.Joining);

        Assert.True(await table.InsertRowAsync(a, empty.Version.Next(), CancellationToken.None));
        Assert.False(await table.InsertRowAsync(Entry(2, SiloStatus.Joining), empty.Version.Next(), CancellationToken.None));
        var afterInsert = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(empty.Version.Version + 1, afterInsert.Version.Version);
        Assert.False(await table.InsertRowAsync(a, afterInsert.Version.Next(), CancellationToken.None));

        var (read, etag) = Assert.Single((await table.ReadRowAsync(a.SiloAddress, CancellationToken.None)).Members);
        Assert.Equal(a.SiloAddress, read.SiloAddress);
        Assert.Equal(a.SiloName, read.SiloName);
        Assert.Equal(a.HostName, read.HostName);
        Assert.Equal(a.ProxyPort, read.ProxyPort);
        Assert.Equal(a.StartTime, read.StartTime);
        Assert.Equal(a.IAmAliveTime, read.IAmAliveTime);
        Assert.Equal(DateTimeKind.Utc, read.StartTime.Kind);

        a.Status = SiloStatus.Active;
        a.SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 9, 9), Start.AddMinutes(1))];
        Assert.False(await table.UpdateRowAsync(a, etag, empty.Version.Next(), CancellationToken.None));
        Assert.True(await table.UpdateRowAsync(a, etag, afterInsert.Version.Next(), CancellationToken.None));
        var afterUpdate = await table.ReadRowAsync(a.SiloAddress, CancellationToken.None);
        Assert.Equal(afterInsert.Version.Version + 1, afterUpdate.Version.Version);
        var updated = afterUpdate.Members[0].Item1;
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal(a.SuspectTimes[0].Item1, Assert.Single(updated.SuspectTimes!).Item1);

        a.IAmAliveTime = Start.AddMinutes(5);
        await table.UpdateIAmAliveAsync(a, CancellationToken.None);
        a.IAmAliveTime = Start.AddMinutes(2);
        await table.UpdateIAmAliveAsync(a, CancellationToken.None);
        var afterHeartbeat = await table.ReadRowAsync(a.SiloAddress, CancellationToken.None);
        Assert.Equal(Start.AddMinutes(5), afterHeartbeat.Members[0].Item1.IAmAliveTime);
        Assert.Equal(afterUpdate.Version, afterHeartbeat.Version);

        // A row that does not exist cannot be updated, and the version stays.
        Assert.False(await table.UpdateRowAsync(Entry(3, SiloStatus.Active), etag, afterHeartbeat.Version.Next(), CancellationToken.None));
        Assert.Equal(afterHeartbeat.Version, (await table.ReadAllAsync(CancellationToken.None)).Version);
    }

    [Fact]
    public async Task ConcurrentInserts_OnOneVersion_OnlyOneWins()
    {
        var (table, _) = await NewTableAsync();
        var version = (await table.ReadAllAsync(CancellationToken.None)).Version;

        var results = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => Task.Run(() => table.InsertRowAsync(Entry(i, SiloStatus.Joining), version.Next(), CancellationToken.None))));

        Assert.Single(results, won => won);
        var all = await table.ReadAllAsync(CancellationToken.None);
        Assert.Single(all.Members);
        Assert.Equal(version.Version + 1, all.Version.Version);
    }

    [Fact]
    public async Task Cleanup_RemovesOnlyDeadSilosQuietSinceTheCutoff_AndDeleteForgetsTheCluster()
    {
        var (table, database) = await NewTableAsync();
        var active = Entry(1, SiloStatus.Active);
        var deadOld = Entry(2, SiloStatus.Dead);
        var deadRecent = Entry(3, SiloStatus.Dead);
        deadRecent.IAmAliveTime = Start.AddHours(2);
        foreach (var entry in new[] { active, deadOld, deadRecent })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        }

        await table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(Start.AddHours(1)), CancellationToken.None);

        Assert.Equal(
            new[] { active.SiloAddress, deadRecent.SiloAddress }.Order(),
            (await table.ReadAllAsync(CancellationToken.None)).Members.Select(m => m.Item1.SiloAddress).Order());

        await table.DeleteMembershipTableEntriesAsync(ClusterIdOf(database), CancellationToken.None);
        Assert.Equal(0L, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansMembershipTable"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansMembershipVersionTable"));
    }

    [Fact]
    public async Task Gateways_AreTheActiveSilosWithAProxyPort()
    {
        var (table, database) = await NewTableAsync();
        var active = Entry(1, SiloStatus.Active);
        var joining = Entry(2, SiloStatus.Joining);
        var noGateway = Entry(3, SiloStatus.Active);
        noGateway.ProxyPort = 0;
        foreach (var entry in new[] { active, joining, noGateway })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        }

        var gateways = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = PostgresSiloBuilderExtensions.Invariant, ConnectionString = database }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = ClusterIdOf(database), ServiceId = "svc" }));
        await gateways.InitializeGatewayListProviderAsync(CancellationToken.None);

        var uri = Assert.Single(await gateways.GetGatewaysAsync(CancellationToken.None));
        Assert.Equal(active.ProxyPort, uri.Port);
    }

    private async Task<(AdoNetClusteringTable Table, string Database)> NewTableAsync()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await new PostgresSchema(database).ApplyAsync();
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = ClusterIdOf(database), ServiceId = "svc" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresSiloBuilderExtensions.Invariant, ConnectionString = database }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);
        return (table, database);
    }

    private static string ClusterIdOf(string database) => "cluster-" + new Npgsql.NpgsqlConnectionStringBuilder(database).Database;

    private static MembershipEntry Entry(int n, SiloStatus status) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, 11110 + n, n),
        SiloName = $"silo-{n}",
        HostName = "test-host",
        Status = status,
        ProxyPort = 30000 + n,
        StartTime = Start,
        IAmAliveTime = Start,
    };
}
