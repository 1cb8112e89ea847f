using Npgsql;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>A key index in PostgreSQL: one row per key in <c>table</c>, its key in <c>column</c> (a primary key).</summary>
public abstract class PostgresKeyIndex : IKeyIndex, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _insert;
    private readonly string _delete;
    private readonly string _page;

    protected PostgresKeyIndex(string connectionString, string table, string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _insert = $"INSERT INTO {table} ({column}) VALUES ($1) ON CONFLICT ({column}) DO NOTHING";
        _delete = $"DELETE FROM {table} WHERE {column} = $1";
        _page = $"SELECT {column} FROM {table} WHERE {column} > $1 COLLATE \"C\" ORDER BY {column} COLLATE \"C\" LIMIT $2";
    }

    public async Task AddAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_insert);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_delete);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_page);
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _dataSource.DisposeAsync();
    }
}

/// <summary>The active-run index in PostgreSQL (<c>owf_active_runs</c>, migration 5): one row per unfinished run.</summary>
public sealed class PostgresActiveRunIndex(string connectionString) : PostgresKeyIndex(connectionString, "owf_active_runs", "run_id"), IActiveRunIndex;

/// <summary>The schedule index in PostgreSQL (<c>owf_schedules</c>, migration 8): one row per live schedule.</summary>
public sealed class PostgresScheduleIndex(string connectionString) : PostgresKeyIndex(connectionString, "owf_schedules", "schedule_key"), IScheduleIndex;
