using Orleans.Workflow.Hosting.Postgres;
using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Postgres.Tests.Indexes;

/// <summary>The schedule index on PostgreSQL (<c>owf_schedules</c>), and migration 8 that gave schedules an index of their own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresScheduleIndexTests(PostgresFixture fixture)
{
    [Fact]
    public async Task AddRemoveList_PagesInOrdinalOrder_AndAddingTwiceKeepsOne()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await new PostgresSchema(database).ApplyAsync();
        await using var index = new PostgresScheduleIndex(database);

        foreach (var key in new[] { "etl/1", "Etl/0", "etl/0", "b-x/0", "etl/0" })
        {
            await index.AddAsync(key, CancellationToken.None);
        }

        await index.RemoveAsync("b-x/0", CancellationToken.None);
        await index.RemoveAsync("never-added/0", CancellationToken.None);

        Assert.Equal(["Etl/0", "etl/0"], await index.ListAsync(null, 2, CancellationToken.None));
        Assert.Equal(["etl/1"], await index.ListAsync("etl/0", 2, CancellationToken.None));
        Assert.Empty(await index.ListAsync("etl/1", 2, CancellationToken.None));
    }

    [Fact]
    public async Task Migration8_MovesSchedulesOutOfTheActiveRunIndex()
    {
        var database = await fixture.Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(database, "CREATE TABLE owf_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        foreach (var migration in PostgresSchema.Migrations.Where(m => m.Version < 8))
        {
            await Db.ExecuteAsync(database, migration.Sql);
            await Db.ExecuteAsync(database, $"INSERT INTO owf_schema_version (version, name) VALUES ({migration.Version}, '{migration.Name}')");
        }

        // As a build before migration 8 left them: schedules beside runs, under a prefix.
        await Db.ExecuteAsync(database, "INSERT INTO owf_active_runs (run_id) VALUES ('01a2063cfb17dcc55d6c755d40'), ('schedule:etl/0'), ('schedule:report/1')");

        await new PostgresSchema(database).ApplyAsync();

        Assert.Equal(["01a2063cfb17dcc55d6c755d40"], await Db.RowsAsync(database, "SELECT run_id FROM owf_active_runs"));
        Assert.Equal(["etl/0", "report/1"], await Db.RowsAsync(database, "SELECT schedule_key FROM owf_schedules ORDER BY schedule_key COLLATE \"C\""));
    }
}
