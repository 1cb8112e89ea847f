namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>PostgreSQL could not be connected to (down, wrong host or port, unknown database, refused credentials).</summary>
public sealed class PostgresUnreachableException : PostgresSchemaException
{
    public PostgresUnreachableException()
    {
    }

    public PostgresUnreachableException(string message)
        : base(message)
    {
    }

    public PostgresUnreachableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The host (or hosts) of the connection string.</summary>
    public string? Host { get; init; }

    /// <summary>The port of the connection string (5432 unless it says otherwise).</summary>
    public int Port { get; init; }

    /// <summary>The database of the connection string (the user's name unless it says otherwise).</summary>
    public string? Database { get; init; }
}
