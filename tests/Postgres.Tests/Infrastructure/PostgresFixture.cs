namespace Orleans.Workflow.Postgres.Tests.Infrastructure;

/// <summary>One throw-away PostgreSQL server for the collection; each test takes its own database on it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; } = new();

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The PostgreSQL tests run one after another: they share a server, and silos are heavy on two cores.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
