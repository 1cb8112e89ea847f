using Microsoft.AspNetCore.Builder;
using Orleans.Runtime;
using Orleans.Workflow.Hosting;
using Orleans.Workflow.Hosting.Postgres;

// One silo. Configuration: appsettings.json (log levels, read from beside the program, wherever it is started
// from), environment (Workflow__Postgres, Workflow__SiloPort, ...), arguments (--Workflow:SiloPort=11112).
// docs/running.md lists every key; docs/architecture-hosting.md what AddWorkflowSilo wires.
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddWorkflowSilo();
    var app = builder.Build();
    app.MapWorkflowHealth();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OrleansConfigurationException or PostgresSchemaException)
{
    // A bad setting, or a database the schema cannot be applied to: the message says which and what to do.
    await Console.Error.WriteLineAsync($"owf silo: {ex.Message}");
    return 1;
}
