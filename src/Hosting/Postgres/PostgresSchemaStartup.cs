using Microsoft.Extensions.Hosting;

namespace Orleans.Workflow.Hosting.Postgres;

/// <summary>
/// Applies the schema when the host starts, before any other hosted service (it is registered first and works in
/// <see cref="IHostedLifecycleService.StartingAsync"/>): the silo never reaches membership on a database without
/// its tables. Its <see cref="PostgresSchemaException"/> comes out of the host's start unwrapped.
/// </summary>
internal sealed class PostgresSchemaStartup(PostgresSchema schema) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => schema.ApplyAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
