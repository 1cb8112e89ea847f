using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>One PostgreSQL for the tests that do not stop it; each test takes a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<SharedPostgres>
{
    public const string Name = "cluster";
}

public sealed class SharedPostgres : IAsyncLifetime
{
    public PostgresServer Server { get; } = new();

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}
