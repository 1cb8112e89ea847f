using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Workflow.Postgres.Tests.Infrastructure;
using Orleans.Workflow.Hosting.Postgres;

namespace Orleans.Workflow.Postgres.Tests.Schema;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresFixture fixture)
{
    /// <summary>Every query key the three ADO.NET providers of Orleans 10.4.2 read from OrleansQuery.</summary>
    private static readonly string[] OrleansQueryKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey", "DeleteStorageKey", "GatewaysQueryKey", "InsertMembershipKey",
        "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "ReadReminderRowKey", "ReadReminderRowsKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey",
        "UpsertReminderRowKey", "WriteToStorageKey",
    ];

    private PostgresServer Server => fixture.Server;

    [Fact]
    public void Migrations_AreNumberedFromOneWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), PostgresSchema.Migrations.Select(m => m.Version));
        Assert.Equal(
            ["orleans_clustering", "orleans_persistence", "orleans_reminders", "workflow_history", "workflow_active_runs", "workflow_run_list", "workflow_run_list_admission", "workflow_schedules"],
            PostgresSchema.Migrations.Select(m => m.Name));
    }

    [Fact]
    public async Task Apply_EmptyDatabase_CreatesTablesQueriesAndVersionRows()
    {
        var database = await Server.CreateDatabaseAsync();

        var version = await new PostgresSchema(database).ApplyAsync();

        Assert.Equal(PostgresSchema.LatestVersion, version);
        Assert.Equal(
            PostgresSchema.Migrations.Select(m => $"{m.Version}|{m.Name}"),
            await Db.RowsAsync(database, "SELECT version, name FROM owf_schema_version ORDER BY version"));
        Assert.Equal(OrleansQueryKeys, await Db.RowsAsync(database, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey COLLATE \"C\""));
        Assert.Equal(
            ["orleansmembershiptable", "orleansmembershipversiontable", "orleansquery", "orleansreminderstable", "orleansstorage", "owf_active_runs", "owf_run_events", "owf_schedules", "owf_schema_version"],
            await Db.RowsAsync(database, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"));
    }

    [Fact]
    public async Task Apply_Twice_SecondIsNoOp()
    {
        var database = await Server.CreateDatabaseAsync();
        var schema = new PostgresSchema(database);
        await schema.ApplyAsync();
        var before = await Db.RowsAsync(database, "SELECT version, applied_at FROM owf_schema_version ORDER BY version");

        var version = await schema.ApplyAsync();

        Assert.Equal(PostgresSchema.LatestVersion, version);
        Assert.Equal(before, await Db.RowsAsync(database, "SELECT version, applied_at FROM owf_schema_version ORDER BY version"));
        Assert.Equal(OrleansQueryKeys.Length, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Apply_FourAtOnceOnEmptyDatabase_AllSucceedAndEachVersionIsRecordedOnce()
    {
        var database = await Server.CreateDatabaseAsync();

        var versions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresSchema(database).ApplyAsync())));

        Assert.All(versions, v => Assert.Equal(PostgresSchema.LatestVersion, v));
        Assert.Equal(
            PostgresSchema.Migrations.Select(m => m.Version.ToString()),
            await Db.RowsAsync(database, "SELECT version FROM owf_schema_version ORDER BY version"));
        Assert.Equal(1L, await Db.ScalarAsync<long>(database, $"SELECT count(*) FROM owf_schema_version WHERE version = {PostgresSchema.LatestVersion}"));
        Assert.Equal(OrleansQueryKeys.Length, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Apply_DatabaseNewerThanCode_ThrowsTooNewAndChangesNothing()
    {
        var database = await Server.CreateDatabaseAsync();
        await new PostgresSchema(database).ApplyAsync();
        var newer = PostgresSchema.LatestVersion + 3;
        await Db.ExecuteAsync(database, $"INSERT INTO owf_schema_version (version, name) VALUES ({newer}, 'from_the_future')");

        var error = await Assert.ThrowsAsync<PostgresSchemaTooNewException>(() => new PostgresSchema(database).ApplyAsync());

        Assert.Equal(newer, error.DatabaseVersion);
        Assert.Equal(PostgresSchema.LatestVersion, error.KnownVersion);
        Assert.Contains($"version {newer}, newer than this build knows ({PostgresSchema.LatestVersion})", error.Message);
        Assert.Equal(PostgresSchema.LatestVersion + 1, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM owf_schema_version"));
    }

    [Fact]
    public async Task Apply_MigrationFails_RollsItBackWhole_AndSaysWhich()
    {
        var database = await Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(database, "CREATE TABLE OrleansQuery (something integer)");

        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => new PostgresSchema(database).ApplyAsync());

        Assert.StartsWith("migration 1 (orleans_clustering) failed on database", error.Message);
        Assert.Contains("stays at version 0", error.Message);
        Assert.Equal(0L, await Db.ScalarAsync<long>(database, "SELECT count(*) FROM owf_schema_version"));
        Assert.True(await Db.ScalarAsync<bool>(database, "SELECT to_regclass('orleansmembershipversiontable') IS NULL"));
    }

    [Fact]
    public async Task Apply_ClosedPort_ThrowsUnreachableNamingHostPortAndDatabase()
    {
        var port = PostgresSilo.FreePort();
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = "workflow",
            Username = "postgres",
            Timeout = 5,
        }.ConnectionString;

        var error = await Assert.ThrowsAsync<PostgresUnreachableException>(() => new PostgresSchema(connectionString).ApplyAsync());

        Assert.Equal("127.0.0.1", error.Host);
        Assert.Equal(port, error.Port);
        Assert.Equal("workflow", error.Database);
        Assert.StartsWith($"cannot connect to PostgreSQL at 127.0.0.1:{port}, database 'workflow'", error.Message);
        Assert.Contains("Check that the server is running", error.Message);
    }

    [Fact]
    public async Task SiloStart_UnreachableDatabase_FailsWithTheSchemaErrorBeforeOrleansStarts()
    {
        var port = PostgresSilo.FreePort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=workflow;Username=postgres;Timeout=5";
        using var host = PostgresSilo.Build(connectionString, "unreachable", PostgresSilo.FreePort(), PostgresSilo.FreePort());

        var error = await Assert.ThrowsAsync<PostgresUnreachableException>(() => host.StartAsync());

        Assert.Equal(port, error.Port);
    }
}
