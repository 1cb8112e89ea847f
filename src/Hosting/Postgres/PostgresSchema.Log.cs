using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Hosting.Postgres;

public sealed partial class PostgresSchema
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "PostgreSQL database {Database}: applied migration {Version} ({Name})")]
    private static partial void Applied(ILogger logger, int version, string name, string database);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "PostgreSQL database {Database}: workflow schema at version {Version}")]
    private static partial void AtVersion(ILogger logger, string database, int version);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "cannot connect to PostgreSQL at {Host}:{Port}, database {Database}")]
    private static partial void Unreachable(ILogger logger, string host, int port, string database, Exception exception);
}
