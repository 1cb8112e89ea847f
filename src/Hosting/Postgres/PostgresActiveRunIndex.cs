using Npgsql;
using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>The active-run index in PostgreSQL (<c>owf_active_runs</c>, migration 5): one row per unfinished run.</summary>
public sealed class PostgresActiveRunIndex : IActiveRunIndex, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresActiveRunIndex(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task AddAsync(string runId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("INSERT INTO owf_active_runs (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string runId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM owf_active_runs WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT run_id FROM owf_active_runs WHERE run_id > $1 COLLATE \"C\" ORDER BY run_id COLLATE \"C\" LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
