using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>
/// Run history in PostgreSQL (<c>owf_run_events</c>, migration 4). A batch is one round trip: the rows go as
/// arrays and are unnested by one <c>INSERT ... ON CONFLICT (event_id) DO NOTHING</c>, so an event handed over
/// twice is kept once. Appends hold an advisory lock until they commit, so positions become visible in order:
/// a reader that has seen a position has seen every smaller one, and reading "after" a position misses nothing.
/// </summary>
public sealed class PostgresRunHistory : IRunHistoryStore, IAsyncDisposable
{
    /// <summary>The advisory lock key that orders appends ("owf_evt").</summary>
    public const long AppendLockKey = 0x6F77665F657674;

    private const string AppendSql = """
        INSERT INTO owf_run_events (run_id, event_id, kind, occurred_at, task, item_index, step, attempt, message, owner, data)
        SELECT r, e, k, t, ta, i, s, a, m, o, d::json
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[])
             WITH ORDINALITY AS x(r, e, k, t, ta, i, s, a, m, o, d, n)
        ORDER BY n
        ON CONFLICT (event_id) DO NOTHING
        """;

    private const string ReadSql = """
        SELECT position, event_id, run_id, kind, occurred_at, task, item_index, step, attempt, message, owner, data::text
        FROM owf_run_events
        WHERE run_id = $1 AND position > $2
        ORDER BY position
        LIMIT $3
        """;

    // A run's summary from its run-level events (partial index of migration 7): the first RunStarted gives the
    // playbook, version, start, trigger and logical date (its data column keeps them: no column of their own; a row
    // written before they were kept has no logical date and only the trigger's kind); the latest event gives the
    // status (and end); each RunRetried adds an attempt.
    private const string ListRunsSql = """
        WITH runs AS (
            SELECT run_id,
                   (array_agg(data::text ORDER BY position) FILTER (WHERE kind = 'RunStarted'))[1]::json AS started,
                   min(occurred_at) FILTER (WHERE kind = 'RunStarted') AS started_at,
                   (array_agg(kind ORDER BY position DESC))[1] AS last_kind,
                   (array_agg(owner ORDER BY position DESC))[1] AS owner,
                   max(occurred_at) AS last_at,
                   1 + count(*) FILTER (WHERE kind = 'RunRetried') AS attempt
            FROM owf_run_events
            WHERE kind IN ('RunStarted', 'RunSucceeded', 'RunFailed', 'RunCancelled', 'RunTimedOut', 'RunPaused', 'RunResumed', 'RunRetried',
                           'RunWaiting', 'RunAdmitted', 'RunSkipped')
            GROUP BY run_id)
        SELECT run_id, started->>'playbook', started->>'version', started_at, last_kind, owner, last_at, attempt,
               (started->'trigger')::text, started->>'logical_date'
        FROM runs
        WHERE started_at IS NOT NULL
          AND ($1::text IS NULL OR started->>'playbook' = $1)
          AND ($2::timestamptz IS NULL OR started_at >= $2)
          AND ($4::text[] IS NULL OR last_kind = ANY($4))
        ORDER BY started_at DESC
        LIMIT $3
        """;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresRunHistory(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task AppendAsync(IReadOnlyList<RunEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var count = events.Count;
        var runIds = new string[count];
        var ids = new string[count];
        var kinds = new string[count];
        var times = new DateTime[count];
        var tasks = new string?[count];
        var indexes = new int?[count];
        var steps = new string?[count];
        var attempts = new int?[count];
        var messages = new string?[count];
        var owners = new string?[count];
        var data = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            runIds[i] = e.RunId;
            ids[i] = e.Id;
            kinds[i] = e.Kind.ToString();
            times[i] = e.Timestamp.UtcDateTime;
            tasks[i] = e.Task;
            indexes[i] = e.Index;
            steps[i] = e.Step;
            attempts[i] = e.Attempt;
            messages[i] = e.Message;
            owners[i] = e.Owner;
            data[i] = e.DataJson;
        }

        // Both statements go in one round trip and run in one implicit transaction: the lock lasts until the commit.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // History is for observers; the runs' truth is their grain state. Its appends do not wait for their own
        // log flush, so they do not queue behind (or slow) the grain writes' flushes: a database crash may lose the
        // last few milliseconds of history, never a run's state.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AppendLockKey });
        batch.BatchCommands.Add(lockCommand);
        var insert = new NpgsqlBatchCommand(AppendSql);
        insert.Parameters.Add(Array(runIds, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(ids, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(kinds, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(times, NpgsqlDbType.TimestampTz));
        insert.Parameters.Add(Array(tasks, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(indexes, NpgsqlDbType.Integer));
        insert.Parameters.Add(Array(steps, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(attempts, NpgsqlDbType.Integer));
        insert.Parameters.Add(Array(messages, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(owners, NpgsqlDbType.Text));
        insert.Parameters.Add(Array(data, NpgsqlDbType.Text));
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StoredRunEvent>> ReadAsync(string runId, long after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (limit <= 0)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<StoredRunEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StoredRunEvent(
                reader.GetInt64(0),
                new RunEvent(
                    reader.GetString(1),
                    reader.GetString(2),
                    Enum.Parse<RunEventKind>(reader.GetString(3)),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    Task: NullableString(reader, 5),
                    Index: reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    Step: NullableString(reader, 7),
                    Attempt: reader.IsDBNull(8) ? null : reader.GetInt32(8),
                    Message: NullableString(reader, 9),
                    Owner: NullableString(reader, 10),
                    DataJson: NullableString(reader, 11))));
        }

        return events;
    }

    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _dataSource.CreateCommand(ListRunsSql);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Playbook ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Since is { } since ? since.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Clamp(query.Limit, 1, 10_000) });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Status is { } status ? StatusKinds(status) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var runStatus = RunQuery.StatusAfter(Enum.Parse<RunEventKind>(reader.GetString(4)));
            runs.Add(new RunSummary(
                reader.GetString(0),
                NullableString(reader, 1) ?? string.Empty,
                NullableString(reader, 2) ?? string.Empty,
                runStatus,
                NullableString(reader, 5),
                (int)reader.GetInt64(7),
                reader.GetFieldValue<DateTimeOffset>(3),
                runStatus.IsFinal() ? reader.GetFieldValue<DateTimeOffset>(6) : null,
                NullableString(reader, 8) is { } trigger ? RunTrigger.FromJson(JsonNode.Parse(trigger)) : null,
                NullableString(reader, 9)));
        }

        return runs;
    }

    // The last run-level event kinds that leave a run in this status.
    private static string[] StatusKinds(WorkStatus status) =>
        [.. RunQuery.RunLevel.Where(k => RunQuery.StatusAfter(k) == status).Select(k => k.ToString())];

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType elementType) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | elementType };

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
