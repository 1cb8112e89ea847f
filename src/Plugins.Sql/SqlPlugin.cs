using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Orleans.Workflow.Plugins.BuiltIn;

/// <summary>
/// <c>sql</c>: PostgreSQL through a named connection (<c>Workflow:Connections:&lt;name&gt;</c>). One of
/// <c>query</c> (output <c>rows</c>), <c>execute</c> (output <c>affected</c>) or
/// <c>load: {table, rows, mode: append|replace}</c> (output <c>affected</c>); <c>params</c> bind <c>@name</c> values.
/// </summary>
public sealed partial class SqlPlugin(IConfiguration configuration) : IStepPlugin, IAsyncDisposable
{
    private static readonly string[] Statements = ["query", "execute", "load"];

    private readonly ConcurrentDictionary<string, NpgsqlDataSource> _sources = new(StringComparer.Ordinal);

    public string Name => "sql";

    public async Task<JsonNode?> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.InputObject();
        var name = context.Text("connection") ?? throw new StepFailedException("sql needs 'connection' (a name configured as Workflow:Connections:<name>)");
        var connectionString = configuration[$"Workflow:Connections:{name}"]
            ?? throw new StepFailedException($"sql connection '{name}' is not configured: set Workflow:Connections:{name} (environment Workflow__Connections__{name})");
        var statements = Statements.Where(input.ContainsKey).ToList();
        if (statements.Count != 1)
        {
            throw new StepFailedException(statements.Count == 0
                ? "sql needs one of 'query', 'execute' or 'load'"
                : $"sql takes exactly one of 'query', 'execute' and 'load', found {string.Join(" and ", statements.Select(k => $"'{k}'"))}");
        }

        var source = _sources.GetOrAdd(connectionString, cs => NpgsqlDataSource.Create(cs));
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken);
            if (context.Text("query") is { } query)
            {
                return new JsonObject { ["rows"] = await QueryAsync(connection, query, input["params"] as JsonObject, cancellationToken) };
            }

            if (context.Text("execute") is { } execute)
            {
                await using var command = Command(connection, execute, input["params"] as JsonObject);
                return new JsonObject { ["affected"] = await command.ExecuteNonQueryAsync(cancellationToken) };
            }

            if (input["load"] is JsonObject load)
            {
                return new JsonObject { ["affected"] = await LoadAsync(connection, load, cancellationToken) };
            }
        }
        catch (PostgresException ex)
        {
            var detail = ex.Detail is { Length: > 0 } d ? $" ({d})" : string.Empty;
            throw new StepFailedException($"sql on '{name}': {context.Redact($"{ex.SqlState}: {ex.MessageText}{detail}")}", ex);
        }
        catch (NpgsqlException ex)
        {
            throw new StepFailedException($"sql on '{name}': {context.Redact(ex.Message)}", ex);
        }

        throw new StepFailedException(statements[0] == "load"
            ? "sql 'load' must be a mapping: {table, rows, mode}"
            : $"sql '{statements[0]}' must be the text of a statement");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values)
        {
            await source.DisposeAsync();
        }
    }

    private static async Task<JsonArray> QueryAsync(NpgsqlConnection connection, string sql, JsonObject? parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new JsonArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new JsonObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null
                    : reader.GetDataTypeName(i) is "json" or "jsonb" ? JsonNode.Parse(reader.GetString(i))
                    : ToJson(reader.GetValue(i));
            }

            rows.Add(row);
        }

        return rows;
    }

    private static async Task<int> LoadAsync(NpgsqlConnection connection, JsonObject load, CancellationToken cancellationToken)
    {
        var table = load["table"] is JsonValue t && t.TryGetValue<string>(out var tableName) ? tableName : throw new StepFailedException("sql load needs 'table'");
        if (!Identifier().IsMatch(table))
        {
            throw new StepFailedException($"sql load table '{table}' is not a plain name (schema.table of letters, digits and '_')");
        }

        var mode = load["mode"] is JsonValue m && m.TryGetValue<string>(out var modeName) ? modeName : "append";
        if (mode is not ("append" or "replace"))
        {
            throw new StepFailedException($"sql load mode '{mode}' is unknown; use append or replace");
        }

        var rows = load["rows"] as JsonArray ?? throw new StepFailedException("sql load needs 'rows' (a list of objects)");
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (mode == "replace")
        {
            await using var clear = new NpgsqlCommand($"DELETE FROM {table}", connection, transaction);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        var affected = 0;
        foreach (var node in rows)
        {
            if (node is not JsonObject row || row.Count == 0)
            {
                throw new StepFailedException($"sql load rows must be non-empty objects; row {affected + 1} is not");
            }

            var columns = row.Select(c => c.Key).ToList();
            foreach (var column in columns.Where(c => !Column().IsMatch(c)))
            {
                throw new StepFailedException($"sql load column '{column}' is not a plain name");
            }

            var sql = $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => "\"" + c + "\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
            await using var insert = new NpgsqlCommand(sql, connection, transaction);
            for (var i = 0; i < columns.Count; i++)
            {
                insert.Parameters.Add(Parameter("p" + i, row[columns[i]]));
            }

            affected += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return affected;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, JsonObject? parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        if (parameters is not null)
        {
            foreach (var (key, value) in parameters)
            {
                command.Parameters.Add(Parameter(key, value));
            }
        }

        return command;
    }

    /// <summary>
    /// A bind value. Text (and objects and lists, as JSON text) goes to the server untyped, so that it takes the type
    /// the statement gives it: a date string compares with a date column and loads into it, a document loads into
    /// a jsonb column. Numbers and booleans keep their types; cast in SQL (<c>@p::text</c>) where no context says.
    /// </summary>
    private static NpgsqlParameter Parameter(string name, JsonNode? value) => ToDb(value) switch
    {
        string text => new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Unknown) { Value = text },
        var other => new NpgsqlParameter(name, other),
    };

    private static object ToDb(JsonNode? value) => value switch
    {
        null => DBNull.Value,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => decimal.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };

    private static JsonNode? ToJson(object value) => value switch
    {
        string s => s,
        bool b => b,
        short or int or long or byte => JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        float or double => JsonValue.Create(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        decimal d => JsonValue.Create(d),
        DateTime dt => dt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        byte[] bytes => Convert.ToBase64String(bytes),
        Array array => new JsonArray([.. array.Cast<object?>().Select(item => item is null or DBNull ? null : ToJson(item))]),
        DbDataReader => null,
        _ => value.ToString(),
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Column();
}
