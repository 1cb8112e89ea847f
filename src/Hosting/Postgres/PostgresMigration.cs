namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>One versioned migration of the workflow schema: an embedded <c>Sql/NNNN_name.sql</c> script.</summary>
/// <param name="Version">Its number (the file name's prefix); migrations apply in this order, once each.</param>
/// <param name="Name">The rest of the file name, as recorded in the version table.</param>
/// <param name="Sql">The script, run in one transaction.</param>
public sealed record PostgresMigration(int Version, string Name, string Sql);
