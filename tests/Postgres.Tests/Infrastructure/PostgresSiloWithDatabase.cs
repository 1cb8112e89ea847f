namespace Orleans.Workflow.Postgres.Tests.Infrastructure;

/// <summary>A started silo and the connection string of its database.</summary>
public sealed record PostgresSiloWithDatabase(PostgresSilo Silo, string Database) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Silo.DisposeAsync();
}
