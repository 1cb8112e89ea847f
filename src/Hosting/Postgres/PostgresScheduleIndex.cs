using Npgsql;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>The schedule index in PostgreSQL (<c>owf_schedules</c>, migration 8): one row per live schedule.</summary>
public sealed class PostgresScheduleIndex : IScheduleIndex, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresScheduleIndex(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task AddAsync(string scheduleKey, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("INSERT INTO owf_schedules (schedule_key) VALUES ($1) ON CONFLICT (schedule_key) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = scheduleKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string scheduleKey, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM owf_schedules WHERE schedule_key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = scheduleKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT schedule_key FROM owf_schedules WHERE schedule_key > $1 COLLATE \"C\" ORDER BY schedule_key COLLATE \"C\" LIMIT $2");
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
