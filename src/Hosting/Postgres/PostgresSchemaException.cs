namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>
/// The workflow schema could not be applied to PostgreSQL. The message says what is wrong and what to do; a host
/// prints it and exits (no stack trace is needed to act on it).
/// </summary>
public class PostgresSchemaException : Exception
{
    public PostgresSchemaException()
    {
    }

    public PostgresSchemaException(string message)
        : base(message)
    {
    }

    public PostgresSchemaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
