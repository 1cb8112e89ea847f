namespace Orleans.Workflow.Hosting;

/// <summary>A client of a PostgreSQL-backed workflow cluster (<see cref="PostgresSiloBuilderExtensions.UseWorkflowPostgres(ISiloBuilder, string)"/>).</summary>
public static class PostgresClientBuilderExtensions
{
    /// <summary>A client of a PostgreSQL-backed cluster: it finds the gateways in the ADO.NET membership table.</summary>
    public static IClientBuilder UseWorkflowPostgres(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseAdoNetClustering(options =>
        {
            options.Invariant = PostgresSiloBuilderExtensions.Invariant;
            options.ConnectionString = connectionString;
        });
    }
}
