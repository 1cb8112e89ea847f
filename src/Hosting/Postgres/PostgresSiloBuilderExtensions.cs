using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Hosting.Postgres;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting;

/// <summary>A silo on PostgreSQL: Orleans' ADO.NET clustering, grain state and reminders, and the run history.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql: Orleans loads <c>Npgsql.NpgsqlFactory</c> from the Npgsql assembly by it.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Applies the workflow schema when the host starts (before Orleans; a <see cref="PostgresSchemaException"/>
    /// stops the start with a message that says what to do), and keeps membership, the grain state of both
    /// <see cref="WorkflowStorage.Name"/> and <see cref="WorkflowStorage.PubSub"/> (Orleans' binary serializer),
    /// reminders, the run history (<see cref="IRunHistoryStore"/>) and the active-run and schedule indexes in the database. Use it instead of
    /// <c>AddWorkflowStorage</c> and localhost clustering.
    /// </summary>
    public static ISiloBuilder UseWorkflowPostgres(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var services = builder.Services;

        // Npgsql pools up to 100 connections per connection string by default, and a busy silo uses them: three
        // silos would pass PostgreSQL's default max_connections. Unless the string says otherwise, Orleans' providers
        // share one pool of 40 and our history and indexes one of 10.
        var ours = WithPoolSize(connectionString, 10);
        connectionString = WithPoolSize(connectionString, 40);

        // First of all hosted services, so the schema is in place before the silo starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(provider =>
            new PostgresSchemaStartup(new PostgresSchema(connectionString, provider.GetRequiredService<ILogger<PostgresSchema>>()))));

        builder.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        foreach (var name in new[] { WorkflowStorage.Name, WorkflowStorage.PubSub })
        {
            builder.AddAdoNetGrainStorage(name, options => options.Configure<IServiceProvider>((storage, provider) =>
            {
                storage.Invariant = Invariant;
                storage.ConnectionString = connectionString;
                storage.GrainStorageSerializer = ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(provider);
            }));
        }

        builder.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        services.RemoveAll<IRunHistoryStore>();
        services.AddSingleton<IRunHistoryStore>(_ => new PostgresRunHistory(ours));
        services.RemoveAll<IActiveRunIndex>();
        services.AddSingleton<IActiveRunIndex>(_ => new PostgresActiveRunIndex(ours));
        services.RemoveAll<IScheduleIndex>();
        services.AddSingleton<IScheduleIndex>(_ => new PostgresScheduleIndex(ours));
        return builder;
    }

    private static string WithPoolSize(string connectionString, int size)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = size;
        }

        return builder.ConnectionString;
    }
}
