namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>The database's schema was written by a newer build than this one; this build must not touch it.</summary>
public sealed class PostgresSchemaTooNewException : PostgresSchemaException
{
    public PostgresSchemaTooNewException()
    {
    }

    public PostgresSchemaTooNewException(string message)
        : base(message)
    {
    }

    public PostgresSchemaTooNewException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The version the database is at.</summary>
    public int DatabaseVersion { get; init; }

    /// <summary>The latest version this build knows (<see cref="PostgresSchema.LatestVersion"/>).</summary>
    public int KnownVersion { get; init; }
}
