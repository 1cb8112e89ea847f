using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>
/// Applies the workflow schema (Orleans' clustering, grain state and reminder tables with their queries, and the
/// run history) to a PostgreSQL database: the embedded <c>Sql/NNNN_name.sql</c> migrations, in order, each in its
/// own transaction and recorded in <see cref="VersionTable"/>. Applying is idempotent, and safe when several silos
/// start at once: every step holds a transaction-scoped advisory lock and re-reads the version under it.
/// </summary>
public sealed partial class PostgresSchema
{
    /// <summary>The table recording each applied migration (version, name, when).</summary>
    public const string VersionTable = "owf_schema_version";

    /// <summary>The advisory lock key that serializes schema changes within a database ("owf_sch").</summary>
    public const long LockKey = 0x6F77665F736368;

    private static readonly Lazy<PostgresMigration[]> s_migrations = new(LoadMigrations);

    private readonly string _connectionString;
    private readonly ILogger _logger;

    public PostgresSchema(string connectionString, ILogger<PostgresSchema>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
        _logger = logger ?? NullLogger<PostgresSchema>.Instance;
    }

    /// <summary>The migrations this build ships, in version order.</summary>
    public static IReadOnlyList<PostgresMigration> Migrations => s_migrations.Value;

    /// <summary>The version a database is at once this build has applied its migrations.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Brings the database to <see cref="LatestVersion"/>; answers the version it is at.</summary>
    /// <exception cref="PostgresUnreachableException">The database cannot be connected to.</exception>
    /// <exception cref="PostgresSchemaTooNewException">The database is at a version this build does not know.</exception>
    public async Task<int> ApplyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var current = await InLockAsync(connection, CurrentVersionAsync, cancellationToken);
        ThrowIfTooNew(current);
        foreach (var migration in Migrations.Where(m => m.Version > current))
        {
            var applied = await InLockAsync(
                connection,
                async (transaction, ct) =>
                {
                    // Another silo may have applied it while this one waited for the lock.
                    var now = await CurrentVersionAsync(transaction, ct);
                    ThrowIfTooNew(now);
                    if (now >= migration.Version)
                    {
                        return false;
                    }

                    try
                    {
                        await ExecuteAsync(transaction, migration.Sql, ct);
                    }
                    catch (PostgresException ex)
                    {
                        throw new PostgresSchemaException(
                            $"migration {migration.Version} ({migration.Name}) failed on database '{connection.Database}': {ex.MessageText} " +
                            $"(SQLSTATE {ex.SqlState}). Nothing of it was applied; the database stays at version {now}. " +
                            "Check that the user may create tables in the database's schema.",
                            ex);
                    }

                    await using var record = new NpgsqlCommand($"INSERT INTO {VersionTable} (version, name) VALUES ($1, $2)", transaction.Connection, transaction);
                    record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
                    await record.ExecuteNonQueryAsync(ct);
                    return true;
                },
                cancellationToken);
            if (applied)
            {
                Applied(_logger, migration.Version, migration.Name, connection.Database);
            }
        }

        AtVersion(_logger, connection.Database, LatestVersion);
        return LatestVersion;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            var settings = new NpgsqlConnectionStringBuilder(_connectionString);
            var host = settings.Host ?? "localhost";
            var database = settings.Database ?? settings.Username ?? "(the user's name)";
            Unreachable(_logger, host, settings.Port, database, ex);
            throw new PostgresUnreachableException(
                $"cannot connect to PostgreSQL at {host}:{settings.Port}, database '{database}': {ex.Message}. " +
                "Check that the server is running and reachable from here, and that the connection string " +
                "(Workflow__Postgres) names the right host, port, database, user and password.",
                ex)
            {
                Host = host,
                Port = settings.Port,
                Database = database,
            };
        }
    }

    private static void ThrowIfTooNew(int version)
    {
        if (version > LatestVersion)
        {
            throw new PostgresSchemaTooNewException(
                $"the database's workflow schema is at version {version}, newer than this build knows ({LatestVersion}): " +
                $"a newer build has migrated it. Run that build (or a later one), or point this one at another database; " +
                $"this build leaves the database untouched.")
            {
                DatabaseVersion = version,
                KnownVersion = LatestVersion,
            };
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction that first takes the schema's advisory lock.</summary>
    private static async Task<T> InLockAsync<T>(
        NpgsqlConnection connection, Func<NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var result = await work(transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task<int> CurrentVersionAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            transaction,
            $"CREATE TABLE IF NOT EXISTS {VersionTable} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT COALESCE(max(version), 0) FROM {VersionTable}", transaction.Connection, transaction);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static PostgresMigration[] LoadMigrations()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        const string Prefix = "Orleans.Workflow.Hosting.Postgres.Sql.";
        var migrations = new List<PostgresMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var file = resource[Prefix.Length..];
            var match = MigrationName().Match(file);
            if (!match.Success)
            {
                throw new InvalidOperationException($"embedded migration '{file}' is not named NNNN_name.sql");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new PostgresMigration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"embedded migrations must be numbered 1, 2, 3, ... without gaps; found {string.Join(", ", migrations.Select(m => m.Version))}");
            }
        }

        return migrations.Count > 0 ? [.. migrations] : throw new InvalidOperationException("no embedded migrations (Sql/*.sql) in " + assembly.GetName().Name);
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationName();
}
